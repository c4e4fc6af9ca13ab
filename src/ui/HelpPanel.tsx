import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import { useScreenKeys } from './keyRouter.js';
import { Paragraph } from './Paragraph.js';

const MEANINGS = 'REFER: above the threshold. NO REFERRAL SUGGESTED: below it. UNCERTAIN: too close to call. RETAKE: not judged. None of these is a diagnosis.';

/** What each main-screen key does (from the keymap), and what the answers mean, in `columns`; q, Esc or ? closes it. */
export function HelpPanel({ columns, onClose }: { columns: number; onClose: () => void }) {
  useScreenKeys('help', { close: onClose });
  return (
    <Box flexDirection="column" flexShrink={0} width={columns}>
      <Text bold color="cyan">
        Keys
      </Text>
      {KEYMAP.main
        .filter((binding) => binding.help)
        .map(({ label, help }) => (
          <Text key={label} wrap="truncate-end">
            <Text bold>{label.padEnd(7)}</Text>
            {help}
          </Text>
        ))}
      <Paragraph text={MEANINGS} width={columns} dimColor />
    </Box>
  );
}
