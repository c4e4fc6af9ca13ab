import { Box, Text } from 'ink';
import type { SessionPlan } from '../capture/captureFlow.js';
import type { Session } from '../store/sessionLog.js';

/** The session being logged, or the one the next capture starts. */
export function SessionPanel({ session, plan }: { session?: Session; plan?: SessionPlan }) {
  return (
    <Box flexDirection="column">
      <Text bold>{session ? `Session ${session.id}` : 'New session (logged at the first capture)'}</Text>
      <Text>
        operator: {session?.operator ?? plan?.operator ?? '—'} · patient ref: {(session ? session.patient_ref : plan?.patientRef) || '—'}
      </Text>
      <Text>captures: {session?.captures ?? 0}</Text>
    </Box>
  );
}
