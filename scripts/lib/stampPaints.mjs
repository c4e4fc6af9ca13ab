// Reads what an app writes to its terminal (tmux pipe-pane) and prints the time of each preview
// paint, one line each: "<ms since the epoch> <paints>". A paint begins with a synchronized update
// and a cursor save (src/ui/previewCanvas.ts); Ink's own frames do not save the cursor.
const PAINT = Buffer.from('\u001b[?2026h\u001b7');
let tail = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  const text = Buffer.concat([tail, chunk]);
  let paints = 0;
  for (let at = text.indexOf(PAINT); at !== -1; at = text.indexOf(PAINT, at + PAINT.length)) paints++;
  if (paints > 0) process.stdout.write(`${Date.now()} ${paints}\n`);
  // a marker cut in two by the chunking is found with the next chunk; a whole one is never kept
  tail = text.subarray(Math.max(0, text.length - PAINT.length + 1));
});
