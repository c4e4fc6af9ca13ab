import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import type { ReactElement } from 'react';
import type { Capture } from '../../src/store/sessionLog.js';
import type { ScreenArea } from '../../src/ui/previewCanvas.js';

/** Lets React effects and Ink's input handling run. */
export const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes or `timeoutMs` ends (then it throws the last failure). */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await settle(20);
    }
  }
}

export const KEYS = { enter: '\r', escape: '\u001b', tab: '\t', up: '\u001b[A', down: '\u001b[B', right: '\u001b[C', left: '\u001b[D', backspace: '\u007f' };

export function sampleCapture(overrides: Partial<Capture> = {}): Capture {
  return {
    id: '101500-aa11bb',
    session_id: '20261127-101000-abc123',
    captured_at: '2026-11-27T10:15:00.000Z',
    image_path: '20261127-101000-abc123/101500-aa11bb.jpg',
    image_sha256: 'f'.repeat(64),
    p_malignant: 0.83,
    label: 'malignant',
    threshold: 0.42,
    model_name: 'dermacam-mnv1-075',
    model_sha256: '0123456789abcdef'.repeat(4),
    backend: 'wasm',
    latency_ms: 41.2,
    quality_ok: 1,
    quality_reasons: '[]',
    body_site: null,
    note: null,
    uncertain_low: 0.3,
    uncertain_high: 0.5,
    ood_score: 3.5,
    ood_threshold: 9.1,
    model_version: '2.0.0',
    camera: 'demo',
    app_version: '0.1.0',
    withdrawn_at: null,
    withdrawn_reason: null,
    lesion_id: null,
    ...overrides,
  };
}

/** A preview canvas that remembers what it was asked to do. */
export function recordingCanvas() {
  const canvas = {
    areas: [] as (ScreenArea | undefined)[],
    frames: [] as string[],
    get area() {
      return canvas.areas.at(-1);
    },
    place: (area: ScreenArea | undefined) => void canvas.areas.push(area),
    draw: (frame: string) => void canvas.frames.push(frame),
  };
  return canvas;
}

/**
 * Renders like ink-testing-library, but in a terminal of the given size (its own is 100 columns, no rows),
 * with Ink reading the keys through `input` when given.
 */
export function renderAtSize(tree: ReactElement, columns: number, rows: number, input?: (stdin: NodeJS.ReadStream) => NodeJS.ReadStream) {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), { columns, rows, write: (frame: string) => frames.push(frame) });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    data: null as string | null,
    write(data: string) {
      stdin.data = data;
      stdin.emit('readable');
      stdin.emit('data', data);
    },
    read() {
      const { data } = stdin;
      stdin.data = null;
      return data;
    },
    setEncoding: () => undefined, setRawMode: () => undefined, resume: () => undefined, pause: () => undefined, ref: () => undefined, unref: () => undefined,
  });
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    stdin: input ? input(stdin as unknown as NodeJS.ReadStream) : (stdin as unknown as NodeJS.ReadStream),
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  /** Resizes the terminal as a window manager would: the size changes, then the stream says so. */
  const resize = (newColumns: number, newRows: number) => {
    Object.assign(stdout, { columns: newColumns, rows: newRows });
    stdout.emit('resize');
  };
  return { stdin, lastFrame: () => frames.at(-1), rerender: (next: ReactElement) => instance.rerender(next), unmount: () => instance.unmount(), resize };
}
