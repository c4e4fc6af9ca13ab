import { Box, Text } from 'ink';

/** The live camera picture (already rendered to terminal text), or why there is none. */
export function Preview({ frame, problem, columns, rows }: { frame?: string; problem?: string; columns: number; rows: number }) {
  return (
    <Box flexDirection="column" width={columns} height={rows} flexShrink={0} overflow="hidden">
      {problem ? (
        <Text color="red">{problem} Retrying…</Text>
      ) : frame ? (
        <Text>{frame}</Text>
      ) : (
        <Text dimColor>Starting the camera…</Text>
      )}
    </Box>
  );
}
