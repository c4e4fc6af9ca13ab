import { Box, Text } from 'ink';
import type { Session } from '../store/sessionLog.js';

export function SessionPanel({ session }: { session: Session }) {
  return (
    <Box flexDirection="column">
      <Text bold>Session {session.id}</Text>
      <Text>operator: {session.operator}</Text>
      <Text>patient ref: {session.patient_ref ?? '—'}</Text>
      <Text>captures: {session.captures}</Text>
    </Box>
  );
}
