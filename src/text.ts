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
