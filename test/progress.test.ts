import { describe, expect, it } from 'vitest';
import { duration, progressOnTerminal } from '../src/commands/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WritableStream & { isTTY: boolean; written: string[] };
}

describe('progress on a terminal', () => {
  it('draws the count and the time left in place, a few times a second at most, and clears it at the end', () => {
    let clock = 0;
    const terminal = stream(true);
    const progress = progressOnTerminal(terminal, 4, 'classified', () => clock);
    clock = 1000;
    progress.tick();
    clock = 1100;
    progress.tick(); // too soon after the last drawing
    clock = 3000;
    progress.tick();
    expect(terminal.written).toEqual(['\r\u001b[2Kclassified 1 of 4 · about 3 s left', '\r\u001b[2Kclassified 3 of 4 · about 1 s left']);
    expect(progress.finish('Classified 4 of 4 images')).toBe('Classified 4 of 4 images (3 s).');
    expect(terminal.written.at(-1)).toBe('\r\u001b[2K');
  });

  it('draws nothing into a pipe or a file', () => {
    const pipe = stream(false);
    const progress = progressOnTerminal(pipe, 4, 'classified', () => 0);
    progress.tick();
    progress.finish('done');
    expect(pipe.written).toEqual([]);
    expect(progress.live).toBe(false);
  });

  it('says durations in seconds, then minutes', () => {
    expect(duration(4_400)).toBe('4 s');
    expect(duration(100_000)).toBe('1 min 40 s');
  });
});
