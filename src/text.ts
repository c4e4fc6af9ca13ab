const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Shows control characters as escapes (a newline as \n, ESC as \u001b), so that a file name or
 * a CSV value quoted in a message keeps it on one line and cannot steer the terminal.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (character) => JSON.stringify(character).slice(1, -1));
}

/** Removes control characters (escape sequences included), which could garble the terminal or a CSV. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}
