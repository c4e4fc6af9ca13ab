import { Box, Text } from 'ink';

export interface KeyHint {
  key: string;
  action: string;
}

export const MAIN_KEYS: KeyHint[] = [
  { key: 'space', action: 'capture' },
  { key: 'r', action: 'retake' },
  { key: 'n', action: 'new session' },
  { key: 'b', action: 'body site / note' },
  { key: 'h', action: 'history' },
  { key: 'e', action: 'export CSV' },
  { key: 'q', action: 'quit' },
];

export function KeyHelp({ keys }: { keys: KeyHint[] }) {
  return (
    <Box flexWrap="wrap">
      {keys.map(({ key, action }) => (
        <Box key={key} marginRight={2}>
          <Text inverse> {key} </Text>
          <Text> {action}</Text>
        </Box>
      ))}
    </Box>
  );
}
