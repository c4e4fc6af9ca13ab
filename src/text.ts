const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Shows control characters as escapes (a newline as \n, ESC as \u001b), so that a file name or
 * a CSV value quoted in a message keeps it on one line and cannot steer the terminal.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, escapeControlCharacter);
}

/** JSON's escape for a C0 character; JSON leaves DEL and the C1 characters (CSI is U+009B) as they are, so those get \u00XX. */
function escapeControlCharacter(character: string): string {
  return character < ' ' ? JSON.stringify(character).slice(1, -1) : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Removes control characters (escape sequences included), which could garble the terminal or a CSV. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/** A probability or other fraction in percent, with `digits` decimals: formatPercent(0.8123) is "81.2%", formatPercent(0.8123, 0) "81%". */
export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

const ELLIPSIS = '…';

/**
 * `text` in at most `width` characters: when longer, its middle gives way to "…". Its end is at
 * least half of what is shown, and where it holds a path, the file name from its last "/" is kept
 * whole if it fits, or else its end (the extension) is.
 */
export function shortenMiddle(text: string, width: number): string {
  const characters = Array.from(text); // a character outside the BMP is not cut in two
  if (characters.length <= width) return text;
  if (width < 1) return '';
  const room = width - ELLIPSIS.length;
  const slash = characters.lastIndexOf('/');
  const nameLength = slash < 0 ? 0 : characters.length - slash; // with its "/"
  const tail = Math.min(room, Math.max(Math.ceil(room / 2), nameLength));
  return characters.slice(0, room - tail).join('') + ELLIPSIS + characters.slice(characters.length - tail).join('');
}
