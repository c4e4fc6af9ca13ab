import { Box, Text } from 'ink';
import { wrapWords } from './wrapWords.js';

/** Text wrapped at spaces to `width`, each line its own, so that no line starts with a stray space. */
export function Paragraph({ text, width, color, dimColor, bold }: { text: string; width: number; color?: string; dimColor?: boolean; bold?: boolean }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      {wrapWords(text, Math.max(1, width)).map((line, i) => (
        <Text key={i} color={color} dimColor={dimColor} bold={bold}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
