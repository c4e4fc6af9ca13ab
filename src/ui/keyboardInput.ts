const ESC = '\u001b';

/**
 * The escape sequences (without their ESC) that Ink names as a key: arrows, Home, End, Insert,
 * Delete, Page Up and Down, F1 to F12 and Shift+Tab, with or without modifiers, as
 * ink/build/parse-keypress.js reads them. Ink 6 throws on some others (Ctrl+F1 is ESC[1;5P, a
 * pasted colour ESC[31m), which would end the app; none of the others is a key the app uses.
 */
const NAMED = /^(?:O[A-FHPQRSa-e]|\[\[[A-E]|\[\[[56]~|\[(?:1;\d+)?[A-FHZa-e]|\[(?:[1-8]|1[1-57-9]|2[0134])(?:;\d+)?~|\[[235678](?:;\d+)?[$^])$/;

const isFinalByte = (char: string | undefined) => char !== undefined && char >= '@' && char <= '~';

/**
 * Where the control sequence that starts at `start` (ESC [ or ESC O, after an optional second
 * ESC) ends: the index after it, 'pending' when the text ends inside it, or undefined when no
 * such sequence starts there. The same split as Ink's input parser.
 */
function sequenceEnd(text: string, start: number): number | 'pending' | undefined {
  let at = text[start + 1] === ESC ? start + 2 : start + 1;
  const kind = text[at];
  if (kind === undefined) return undefined; // a lone Esc, which Ink names
  if (kind === 'O') return at + 1 >= text.length ? 'pending' : isFinalByte(text[at + 1]) ? at + 2 : undefined;
  if (kind !== '[') return undefined;
  at += 1;
  if (text[at] === '[') at += 1;
  for (; at < text.length; at++) {
    const char = text[at]!;
    if (char >= ' ' && char <= '?') continue; // parameter and intermediate bytes
    return isFinalByte(char) ? at + 1 : undefined;
  }
  return 'pending';
}

/**
 * Drops the escape sequences Ink cannot name from what the terminal sent. `pending`: the end of
 * the text when it stops inside a sequence, to be put before the next input.
 */
export function keysInkCanName(text: string): { keys: string; pending: string } {
  let keys = '';
  let from = 0;
  for (let at = text.indexOf(ESC); at !== -1; at = text.indexOf(ESC, at + 1)) {
    const end = sequenceEnd(text, at);
    if (end === undefined) continue;
    if (end === 'pending') return { keys: keys + text.slice(from, at), pending: text.slice(at) };
    const body = text.slice(text[at + 1] === ESC ? at + 2 : at + 1, end);
    if (!NAMED.test(body)) {
      keys += text.slice(from, at);
      from = end;
    }
    at = end - 1;
  }
  return { keys: keys + text.slice(from), pending: '' };
}

/**
 * The terminal's input as Ink reads it (Ink calls `read()` on each 'readable' event), with the
 * escape sequences Ink cannot name left out: an odd key or a pasted colour code does nothing
 * instead of ending the app.
 */
export function keyboardInput(stdin: NodeJS.ReadStream): NodeJS.ReadStream {
  let pending = '';
  const read = (): string | null => {
    const chunk: unknown = stdin.read();
    if (chunk === null) return null;
    const filtered = keysInkCanName(pending + String(chunk));
    pending = filtered.pending;
    return filtered.keys;
  };
  return new Proxy(stdin, {
    get(target, property) {
      if (property === 'read') return read;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
