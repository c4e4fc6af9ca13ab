import { Box, Text } from 'ink';
import { useKeys } from './keyRouter.js';

/** A yes/no question: y confirms, n or Esc declines. */
export function ConfirmPrompt({ question, onAnswer }: { question: string; onAnswer: (yes: boolean) => void }) {
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y') onAnswer(true);
    else if (input === 'n' || input === 'N' || input === 'q' || key.escape) onAnswer(false);
  });
  return (
    <Box borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text>
        {question} <Text bold>[y/n]</Text>
      </Text>
    </Box>
  );
}
