import { Box, Text, useStdout } from 'ink';
import { NOT_A_MEDICAL_DEVICE } from '../disclaimer.js';
import { escapeControlCharacters, shortenMiddle } from '../text.js';
import { wrapWords } from './wrapWords.js';

const TITLE = 'dermacam';
const CAMERA_LABEL = '  camera: ';
/** Narrower than this, the camera's description is left out rather than shortened to a few characters. */
const LEAST_DESCRIPTION = 8;

/**
 * The header's first line at this width, never longer: "dermacam  camera: <description>", the
 * description shortened in the middle (see `shortenMiddle`) and on one line whatever its characters.
 */
export function headerTitle(camera: string, columns: number): string {
  const room = columns - TITLE.length - CAMERA_LABEL.length;
  if (room < LEAST_DESCRIPTION) return TITLE.slice(0, Math.max(0, columns));
  return TITLE + CAMERA_LABEL + shortenMiddle(escapeControlCharacters(camera), room);
}

/** The notice, broken between words into lines of at most `columns` characters (a word longer than that is cut). */
export function noticeLines(columns: number): string[] {
  return wrapWords(NOT_A_MEDICAL_DEVICE, Math.max(1, columns));
}

/** Lines the header takes at this width: the title, then the notice's lines. */
export function headerLines(columns: number): number {
  return 1 + noticeLines(columns).length;
}

/**
 * The title and camera on one line, and the notice that stays on every screen: exactly
 * `headerLines(columns)` lines at any width. `columns` is the width it has (the terminal's, by default).
 */
export function Header({ camera, columns }: { camera: string; columns?: number }) {
  const { stdout } = useStdout();
  const width = columns ?? stdout.columns ?? 80;
  const title = headerTitle(camera, width);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="cyan">{title.slice(0, TITLE.length)}</Text>
        <Text dimColor>{title.slice(TITLE.length)}</Text>
      </Text>
      {noticeLines(width).map((line, i) => (
        <Text key={i} color="yellow" wrap="truncate-end">{line}</Text>
      ))}
    </Box>
  );
}
