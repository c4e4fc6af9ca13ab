import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import type { ImageClassifier } from '../../src/classifier/workerClient.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { eventually, KEYS, recordingCanvas, renderAtSize, settle } from './helpers.js';

process.env.TZ = 'UTC'; // the history shows local times: the snapshots must not depend on where they run

const SIZES = [[80, 24], [100, 30], [160, 50]] as const;
const classifier: ImageClassifier = {
  info: {
    modelId: 'dermacam-mnv1-075@c8b51c6a9fdc', modelName: 'dermacam-mnv1-075', modelVersion: '2.0.0', modelSha256: 'c8b51c6a9fdc'.padEnd(64, '0'),
    backend: 'wasm', threshold: 0.166, uncertainBand: { low: 0.126, high: 0.215 }, oodThreshold: 9.1,
  },
  classify: vi.fn(async () => ({ p_malignant: 0.354, label: 'malignant' as const, quality: { ok: true, reasons: [] }, ood_score: 4.2, ms: 101.4 })),
  close: async () => undefined,
};

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function openApp(columns: number, rows: number, { loaded = true } = {}) {
  const still = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a0522d' } }).jpeg().toBuffer();
  const camera: CameraSource = { description: 'demo (synthetic lesion)', previewFrame: async () => still, capture: async () => still, stop: async () => undefined };
  const dataDir = path.join(os.tmpdir(), `dermacam-screens-${columns}x${rows}`);
  rmSync(dataDir, { recursive: true, force: true });
  const store = await SessionLog.open(dataDir, { now: () => new Date('2026-11-27T10:15:00.000Z'), randomId: () => 'abc123', newPatientRef: () => 'DERMACAM-3F9A0C11B2D4' });
  const flow = new CaptureFlow({ camera, classifier, store, appVersion: '0.1.0' }, { operator: 'alice' });
  const screen = (ready: boolean) => (
    <App camera={camera} flow={ready ? flow : undefined} model={ready ? classifier.info : undefined} store={store} renderFrame={async () => ''} canvas={recordingCanvas()} previewIntervalMs={1000} />
  );
  const app = renderAtSize(screen(loaded), columns, rows);
  cleanup = async () => {
    app.unmount();
    await store.close();
  };
  await settle(); // Ink subscribes to the keyboard once it has mounted
  // colours depend on the terminal the tests run in; the words and the layout do not
  return { stdin: app.stdin, lastFrame: () => stripVTControlCharacters(app.lastFrame() ?? ''), modelLoaded: () => app.rerender(screen(true)) };
}

/** The frame fits the terminal: no more lines than it has (less Ink's last), none wider. */
function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

describe.each(SIZES)('every screen at %ix%i', (columns, rows) => {
  it('main, after a capture: the action, the numbers, the session, the notice and the keys all in view', async () => {
    const { stdin, lastFrame } = await openApp(columns, rows);
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    const frame = lastFrame()!;
    expectFits(frame, columns, rows);
    for (const part of ['Not a medical device', 'p(malignant) 35.4%', 'Session 20261127-101500-abc123', 'captures: 1', 'q quit']) {
      expect(frame.replace(/\s+/g, ' ')).toContain(part.trim());
    }
    expect(frame).toMatchSnapshot();
  });

  it('the forms, the retake question, help and history', async () => {
    const { stdin, lastFrame } = await openApp(columns, rows);
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    await eventually(() => expect(lastFrame()).toContain('camera ok'));
    const screens: [string, string, string][] = [['b', 'Body site', 'note'], ['r', '[y/n]', 'retake'], ['n', 'Patient ref', 'new session'], ['?', 'Keys', 'help'], ['h', 'History', 'history']];
    for (const [key, shows, name] of screens) {
      stdin.write(key);
      await eventually(() => expect(lastFrame()).toContain(shows));
      if (name === 'note') {
        // the active field stays in view while typing
        stdin.write('left forearm');
        await eventually(() => expect(lastFrame()).toContain('left forearm'));
      }
      expectFits(lastFrame()!, columns, rows);
      expect(lastFrame()).toMatchSnapshot(name);
      stdin.write(KEYS.escape);
      await eventually(() => expect(lastFrame()).not.toContain(shows));
    }
  });

  it('while the model loads: the frame at once, and a capture waits for the model and says so', async () => {
    const { stdin, lastFrame, modelLoaded } = await openApp(columns, rows, { loaded: false });
    expect(lastFrame()).toContain('Loading the model');
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('The model is still loading: the capture will be taken as soon as it is ready.'));
    expectFits(lastFrame()!, columns, rows);
    const capturesBefore = vi.mocked(classifier.classify).mock.calls.length;
    modelLoaded();
    await eventually(() => expect(lastFrame()).toContain('REFER'));
    expect(vi.mocked(classifier.classify).mock.calls.length).toBe(capturesBefore + 1);
  });
});

describe('a terminal below the minimum', () => {
  it('says it is too small instead of drawing a broken frame', async () => {
    const { lastFrame } = await openApp(50, 15);
    expect(lastFrame().replace(/\s+/g, ' ')).toContain('The terminal is 50x15; dermacam needs at least 64x20.');
  });
});
