import { Box } from 'ink';
import { useScreenKeys } from './keyRouter.js';
import { Paragraph } from './Paragraph.js';

/** A yes/no question in `width` columns: y confirms, n, q or Esc declines. */
export function ConfirmPrompt({ question, width, onAnswer }: { question: string; width: number; onAnswer: (yes: boolean) => void }) {
  useScreenKeys('confirm', { yes: () => onAnswer(true), no: () => onAnswer(false) });
  return (
    <Box borderStyle="round" borderColor="yellow" paddingX={1} flexShrink={0} width={width}>
      <Paragraph text={`${question} [y/n]`} width={width - 4} />
    </Box>
  );
}
