import { Box, Text } from 'ink';
import type { SessionPlan } from '../capture/captureFlow.js';
import type { Lesion, Session } from '../store/sessionLog.js';

/** The session being logged, or the one the next capture starts, and the lesion its captures join. */
export function SessionPanel({ session, plan, followed }: { session?: Session; plan?: SessionPlan; followed?: Lesion }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold>{session ? `Session ${session.id}` : 'New session (logged at the first capture)'}</Text>
      <Text>operator: {session?.operator ?? plan?.operator ?? '—'}</Text>
      <Text wrap="truncate-end">patient ref: {(session ? session.patient_ref : plan?.patientRef) || 'none yet: a code is made at the first capture'}</Text>
      <Text>captures: {session?.captures ?? 0}</Text>
      {followed && (
        <Text color="cyan">
          following lesion {followed.label}
          {followed.body_site ? ` · ${followed.body_site}` : ''}: space adds a visit
        </Text>
      )}
    </Box>
  );
}
