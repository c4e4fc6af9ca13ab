/** " (at line 3, column 41)", where `text` stops being JSON: a position only, for the text may hold a password. */
export function describeJsonFault(text: string): string {
  const offset = jsonFaultOffset(text);
  if (offset === undefined) return '';
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return ` (at line ${before.split('\n').length}, column ${Array.from(before.slice(lineStart)).length + 1})`;
}

const JSON_SPACE = new Set([' ', '\t', '\n', '\r']);
const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_LITERAL = /true|false|null/y;

/** Where a sticky `pattern` that matches at `offset` ends; undefined where it does not match there. */
function matchEnd(pattern: RegExp, text: string, offset: number): number | undefined {
  pattern.lastIndex = offset;
  return pattern.test(text) ? pattern.lastIndex : undefined;
}

/** The offset of the first character at which `text` is no longer JSON (RFC 8259); undefined where it is JSON. One pass, no recursion. */
function jsonFaultOffset(text: string): number | undefined {
  const closers: string[] = []; // "}" or "]" for each object or array open here
  let at = 0;
  let expecting: 'value' | 'key' | 'comma' = 'value';
  let justOpened = false; // after "{" or "[", which may close at once
  const skipSpace = () => {
    while (JSON_SPACE.has(text.charAt(at))) at++;
  };
  for (;;) {
    skipSpace();
    const character = text.charAt(at);
    const opened = justOpened;
    justOpened = false;
    if (opened && character === closers.at(-1)) {
      closers.pop();
      at++;
      expecting = 'comma';
    } else if (expecting === 'comma') {
      if (closers.length === 0) return at === text.length ? undefined : at;
      if (character === ',') expecting = closers.at(-1) === '}' ? 'key' : 'value';
      else if (character !== closers.pop()) return at;
      at++;
    } else if (expecting === 'key') {
      if (character !== '"') return at;
      const end = stringEnd(text, at);
      if ('fault' in end) return end.fault;
      at = end.after;
      skipSpace();
      if (text.charAt(at) !== ':') return at;
      at++;
      expecting = 'value';
    } else if (character === '{' || character === '[') {
      closers.push(character === '{' ? '}' : ']');
      at++;
      expecting = character === '{' ? 'key' : 'value';
      justOpened = true;
    } else if (character === '"') {
      const end = stringEnd(text, at);
      if ('fault' in end) return end.fault;
      at = end.after;
      expecting = 'comma';
    } else {
      const end = matchEnd(JSON_NUMBER, text, at) ?? matchEnd(JSON_LITERAL, text, at);
      if (end === undefined) return at;
      at = end;
      expecting = 'comma';
    }
  }
}

/** Just past the closing quote of the JSON string that opens at `at`, or the offset where it stops being one. */
function stringEnd(text: string, at: number): { after: number } | { fault: number } {
  for (let i = at + 1; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return { after: i + 1 };
    if (code < 0x20) return { fault: i };
    if (code !== 0x5c) i++;
    else {
      const end = matchEnd(JSON_ESCAPE, text, i);
      if (end === undefined) return { fault: i };
      i = end;
    }
  }
  return { fault: text.length };
}
