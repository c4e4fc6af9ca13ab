/**
 * Breaks text into lines of at most `width` characters at spaces, with no line starting or ending
 * in one (Ink's own wrapping keeps the space it broke at); a word longer than a line is cut.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    if (line && line.length + 1 + rest.length <= width) {
      line += ` ${rest}`;
      continue;
    }
    if (line) lines.push(line);
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}

/** At most `maxLines` of the wrapped text, the last one ending in "…" when some was left out. */
export function wrapWordsWithin(text: string, width: number, maxLines: number): string[] {
  const lines = wrapWords(text, width);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1]!;
  kept[maxLines - 1] = `${last.length < width ? last : last.slice(0, width - 1)}…`;
  return kept;
}
