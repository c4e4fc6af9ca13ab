import { Box, Text } from 'ink';

export interface KeyHint {
  key: string;
  action: string;
  /** A key that cannot act now (r with no capture yet) is drawn dimmed. */
  enabled?: boolean;
}

export const MAIN_KEYS: KeyHint[] = [
  { key: 'space', action: 'capture' },
  { key: 'r', action: 'retake' },
  { key: 'n', action: 'new session' },
  { key: 'b', action: 'body site / note' },
  { key: 'x', action: 'explain' },
  { key: 'l', action: 'lesion' },
  { key: 'h', action: 'history' },
  { key: 'e', action: 'export CSV' },
  { key: '?', action: 'help' },
  { key: 'q', action: 'quit' },
];

/** The keys of each screen other than the main one, for the key bar. */
export const SCREEN_KEYS: Record<'form' | 'confirm' | 'history' | 'help' | 'explain' | 'lesions' | 'lesion', KeyHint[]> = {
  form: [
    { key: 'Enter', action: 'next / save' },
    { key: 'Tab', action: 'next field' },
    { key: 'Esc', action: 'cancel' },
    { key: 'Ctrl+C', action: 'quit' },
  ],
  confirm: [
    { key: 'y', action: 'yes' },
    { key: 'n, Esc', action: 'no' },
  ],
  history: [
    { key: '↑↓', action: 'move' },
    { key: '→', action: 'open' },
    { key: '←', action: 'back' },
    { key: 'b', action: 'body site / note' },
    { key: 'x', action: 'explain' },
    { key: 'l', action: 'lesion' },
    { key: 'q, Esc', action: 'close' },
  ],
  help: [{ key: 'q, Esc, ?', action: 'close' }],
  explain: [{ key: 'q, Esc', action: 'close' }],
  lesions: [
    { key: '↑↓', action: 'move' },
    { key: 'Enter', action: 'attach and follow' },
    { key: '→', action: 'open' },
    { key: 'q, Esc', action: 'close' },
  ],
  lesion: [{ key: '←, q, Esc', action: 'back' }],
};

const hintWidth = ({ key, action }: KeyHint) => key.length + 2 + 1 + action.length + 2;

/** How many lines the key bar takes at this width (it wraps whole hints). */
export function keyHelpLines(keys: KeyHint[], columns: number): number {
  let lines = 1;
  let used = 0;
  for (const hint of keys) {
    if (used > 0 && used + hintWidth(hint) > columns) {
      lines++;
      used = 0;
    }
    used += hintWidth(hint);
  }
  return lines;
}

export function KeyHelp({ keys }: { keys: KeyHint[] }) {
  return (
    <Box flexWrap="wrap">
      {keys.map(({ key, action, enabled = true }) => (
        <Box key={key} marginRight={2}>
          <Text inverse={enabled} dimColor={!enabled}> {key} </Text>
          <Text dimColor={!enabled}> {action}</Text>
        </Box>
      ))}
    </Box>
  );
}
