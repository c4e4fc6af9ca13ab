/**
 * A progress line on a terminal's stderr (`classified 120 of 1360 · about 1 min 40 s left`),
 * rewritten in place and at most a few times a second; nothing when stderr is a pipe or a file.
 */
export interface Progress {
  tick(): void;
  /** Clears the progress line; returns the run's summary with the time it took. */
  finish(summary: string): string;
  /** Whether it draws on a terminal. */
  live: boolean;
}

export function progressOnTerminal(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number, verb: string, now: () => number = performance.now.bind(performance)): Progress {
  const started = now();
  let count = 0;
  let drawnAt = -Infinity;
  const live = stream.isTTY === true && total > 1;
  return {
    tick() {
      count++;
      if (!live || now() - drawnAt < 250) return;
      drawnAt = now();
      const left = ((now() - started) / count) * (total - count);
      stream.write(`\r\u001b[2K${verb} ${count} of ${total} · about ${duration(left)} left`);
    },
    finish(summary) {
      if (live) stream.write('\r\u001b[2K');
      return `${summary} (${duration(now() - started)}).`;
    },
    live,
  };
}

export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
