/** A one-line progress bar with rate and ETA; prints whole lines when the stream is not a terminal. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let done = 0;
  let lastPrinted = 0;
  let lastDecile = -1;

  function render(final: boolean): void {
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const width = 24;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const line = `${label} [${bar}] ${done}/${total} ${rate.toFixed(1)}/s ETA ${formatDuration(eta)}`;
    if (stream.isTTY) stream.write(`\r${line}${final ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  }

  return {
    tick(count = 1): void {
      done += count;
      const now = Date.now();
      const decile = Math.floor((done / Math.max(total, 1)) * 10);
      const due = stream.isTTY ? now - lastPrinted > 200 : decile !== lastDecile;
      if (due) {
        lastPrinted = now;
        lastDecile = decile;
        render(false);
      }
    },
    finish(): void {
      render(true);
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
