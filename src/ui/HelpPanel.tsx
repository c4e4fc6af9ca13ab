import { Box, Text } from 'ink';
import { useKeys } from './keyRouter.js';

const HELP: [string, string][] = [
  ['space', 'take a still, classify it and log it'],
  ['r', 'withdraw the last capture (a retake): the log keeps a note'],
  ['n', 'plan a new session: operator and patient reference'],
  ['b', 'body site and note for the last capture (h: for any)'],
  ['x', 'explain: where the model looked in the last capture (h: for any)'],
  ['l', 'lesion: follow the last capture\'s lesion over visits (h: for any)'],
  ['h', 'history: every session and capture; b, x and l act on one'],
  ['e', 'export this session as CSV into the data folder'],
  ['q, Esc', 'close a screen; on the main screen q quits, Esc does not'],
];

/** What each key does, and what the answer means; q, Esc or ? closes it. */
export function HelpPanel({ onClose }: { onClose: () => void }) {
  useKeys((input, key) => {
    if (input === 'q' || input === '?' || key.escape) onClose();
  });
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>Keys</Text>
      {HELP.map(([key, text]) => (
        <Text key={key}>
          <Text bold>{key.padEnd(7)}</Text>
          {text}
        </Text>
      ))}
      <Text dimColor>REFER: above the threshold. NO REFERRAL SUGGESTED: below it.</Text>
      <Text dimColor>UNCERTAIN: too close to call. RETAKE: not judged.</Text>
      <Text dimColor>None of these is a diagnosis.</Text>
    </Box>
  );
}
