import { Box, Text } from 'ink';
import type { Binding } from './keymap.js';

export interface KeyHint {
  key: string;
  does: string;
  /** A key that cannot act now (r with no capture yet) is drawn dimmed. */
  enabled: boolean;
}

/** A screen's key bar, from its keymap; `canAct` says which actions can act now. */
export function keyHints(bindings: readonly Binding[], canAct: (action: string) => boolean = () => true): KeyHint[] {
  return bindings.filter((binding) => !binding.hidden).map((binding) => ({ key: binding.label, does: binding.does, enabled: canAct(binding.action) }));
}

const hintWidth = ({ key, does }: KeyHint) => key.length + 2 + 1 + does.length + 2;

/** How many lines the key bar takes at this width (it wraps whole hints). */
export function keyBarLines(keys: KeyHint[], columns: number): number {
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
    <Box flexWrap="wrap" flexShrink={0}>
      {keys.map(({ key, does, enabled }) => (
        <Box key={key} marginRight={2}>
          <Text inverse={enabled} dimColor={!enabled}> {key} </Text>
          <Text dimColor={!enabled}> {does}</Text>
        </Box>
      ))}
    </Box>
  );
}
