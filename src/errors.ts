/**
 * An error the user can cause and fix (bad path, bad model folder, bad CSV...). Its message is
 * one sentence meant for them; the CLI prints it without a stack trace and exits non-zero.
 */
export class UserError extends Error {}

/**
 * Shows control characters as escapes (a newline as \n, ESC as \u001b), so that a file name or
 * a CSV value quoted in a message keeps it on one line and cannot steer the terminal.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => JSON.stringify(character).slice(1, -1));
}
