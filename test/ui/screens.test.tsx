import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { MIN_COLUMNS, MIN_ROWS } from '../../src/ui/layout.js';
import { fakeClassifier } from '../helpers/fakeClassifier.js';
import { eventually, KEYS, recordingCanvas, renderAtSize, settle } from './helpers.js';

process.env.TZ = 'UTC'; // the history shows local times: the snapshots must not depend on where they run

/** The minimum the app promises, the usual 80x24, and two larger terminals. */
const SIZES = [[MIN_COLUMNS, MIN_ROWS], [80, 24], [100, 30], [160, 50]] as const;
const classifier = fakeClassifier({
  info: { modelId: 'dermacam-mnv1-075@c8b51c6a9fdc', modelName: 'dermacam-mnv1-075', modelVersion: '2.0.0', modelSha256: 'c8b51c6a9fdc'.padEnd(64, '0'), threshold: 0.166, uncertainBand: { low: 0.126, high: 0.215 }, oodThreshold: 9.1 },
  answer: { p_malignant: 0.354, ood_score: 4.2, ms: 101.4 },
});

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function openApp(columns: number, rows: number, { loaded = true, fixedClock = true } = {}) {
  const still = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a0522d' } }).jpeg().toBuffer();
  const camera: CameraSource = { description: 'demo (synthetic lesion)', previewFrame: async () => still, capture: async () => still, stop: async () => undefined };
  const dataDir = path.join(os.tmpdir(), `dermacam-screens-${columns}x${rows}`);
  rmSync(dataDir, { recursive: true, force: true });
  const store = await SessionLog.open(
    dataDir,
    fixedClock ? { now: () => new Date('2026-11-27T10:15:00.000Z'), randomId: () => 'abc123', newPatientRef: () => 'DERMACAM-3F9A0C11B2D4' } : {},
  );
  const canvas = recordingCanvas();
  const flow = new CaptureFlow({ camera, store, appVersion: '0.1.0' }, { operator: 'alice' });
  const screen = (ready: boolean) => (
    <App camera={camera} flow={flow} model={ready ? classifier.info : undefined} store={store} renderFrame={async (_image, c, r) => Array.from({ length: r }, () => '▄'.repeat(c)).join('\n')} canvas={canvas} previewIntervalMs={1000} />
  );
  if (loaded) flow.useClassifier(classifier);
  const app = renderAtSize(screen(loaded), columns, rows);
  cleanup = async () => {
    app.unmount();
    await store.close();
  };
  await settle(); // Ink subscribes to the keyboard once it has mounted
  // colours depend on the terminal the tests run in; the words and the layout do not
  return {
    ...app,
    store,
    canvas,
    lastFrame: () => stripVTControlCharacters(app.lastFrame() ?? ''),
    modelLoaded: () => {
      flow.useClassifier(classifier);
      app.rerender(screen(true));
    },
  };
}

/** The frame fits the terminal: no more lines than it has (less Ink's last), none wider. */
function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

const oneLine = (frame: string) => frame.replace(/\s+/g, ' ');

async function captured(app: Awaited<ReturnType<typeof openApp>>) {
  app.stdin.write(' ');
  await eventually(() => expect(app.lastFrame()).toContain('REFER to a clinician'));
  await eventually(() => expect(app.lastFrame()).toContain('camera ok'));
}

describe.each(SIZES)('every screen at %ix%i', (columns, rows) => {
  it('main, after a capture: the action first, then the numbers, the session and the keys', async () => {
    const app = await openApp(columns, rows);
    await captured(app);
    const frame = app.lastFrame();
    expectFits(frame, columns, rows);
    for (const part of ['Not a medical device', 'REFER to a clinician', 'p(malignant) 35.4%', 'q quit']) expect(oneLine(frame)).toContain(part);
    expect(frame).toMatchSnapshot();
  });

  it('each other screen fits, its title in view', async () => {
    const app = await openApp(columns, rows);
    await captured(app);
    const screens: [string, string, string][] = [
      ['b', 'Body site', 'note'], ['r', '[y/n]', 'retake'], ['n', 'Patient ref', 'new session'], ['?', 'Keys', 'help'],
      ['h', 'History', 'history'], ['x', 'Strongest part', 'explain'], ['l', 'Lesions of patient', 'lesions'],
    ];
    for (const [key, shows, name] of screens) {
      app.stdin.write(key);
      await eventually(() => expect(app.lastFrame()).toContain(shows), 10_000); // the explanation takes a while on a busy machine
      if (name === 'note') {
        app.stdin.write('left forearm');
        await eventually(() => expect(app.lastFrame()).toContain('left forearm'));
      }
      if (name === 'explain') expect(app.lastFrame()).toContain('Where the model looked');
      expectFits(app.lastFrame(), columns, rows);
      expect(app.lastFrame()).toMatchSnapshot(name);
      app.stdin.write(KEYS.escape);
      await eventually(() => expect(app.lastFrame()).not.toContain(shows));
    }
    // a lesion, and its own screen
    app.stdin.write('l');
    await eventually(() => expect(app.lastFrame()).toContain('+ new lesion'));
    app.stdin.write(KEYS.enter);
    await eventually(() => expect(app.lastFrame()).toContain('is a visit of lesion L1'), 10_000);
    app.stdin.write('l');
    await eventually(() => expect(app.lastFrame()).toContain('Lesions of patient'));
    app.stdin.write(KEYS.down);
    app.stdin.write(KEYS.right);
    await eventually(() => expect(app.lastFrame()).toContain("The model's answers over time, not a diagnosis."));
    await eventually(() => expect(app.lastFrame()).not.toContain('loading…'), 10_000);
    expect(app.lastFrame()).toContain('L1 · no body site · 1 visit');
    expectFits(app.lastFrame(), columns, rows);
    expect(app.lastFrame()).toMatchSnapshot('lesion');
  });

  it('while the model loads: the frame at once, and a capture waits for the model and says so', async () => {
    const { stdin, lastFrame, modelLoaded } = await openApp(columns, rows, { loaded: false });
    expect(lastFrame()).toContain('Loading the model');
    stdin.write(' ');
    await eventually(() => expect(oneLine(lastFrame())).toContain('The model is still loading: the capture will be taken as soon as it is ready.'));
    expectFits(lastFrame(), columns, rows);
    const capturesBefore = vi.mocked(classifier.classify).mock.calls.length;
    modelLoaded();
    await eventually(() => expect(lastFrame()).toContain('REFER'));
    expect(vi.mocked(classifier.classify).mock.calls.length).toBe(capturesBefore + 1);
  });
});

describe('a terminal below the minimum', () => {
  it('says it is too small, and acts on no key', async () => {
    const app = await openApp(60, 20);
    expect(oneLine(app.lastFrame())).toContain('The terminal is 60x20; dermacam needs at least 64x20.');
    const before = vi.mocked(classifier.classify).mock.calls.length;
    app.stdin.write(' ');
    await settle(200);
    expect(vi.mocked(classifier.classify).mock.calls.length).toBe(before); // nothing taken unseen
    expect(app.lastFrame()).not.toContain('REFER');
  });

  it('keeps what a form holds while the terminal is too small, and shows it again', async () => {
    const app = await openApp(80, 24);
    await captured(app);
    app.stdin.write('b');
    await eventually(() => expect(app.lastFrame()).toContain('Body site'));
    app.stdin.write('left forearm');
    await eventually(() => expect(app.lastFrame()).toContain('left forearm'));
    app.resize(60, 20);
    await eventually(() => expect(app.lastFrame()).toContain('The terminal is 60x20'));
    app.stdin.write('xyz'); // ignored: the form is not in view
    app.resize(80, 24);
    await eventually(() => expect(app.lastFrame()).toContain('left forearm'));
    expect(app.lastFrame()).not.toContain('left forearmxyz');
  });
});

describe('a resized terminal', () => {
  it('lays the screen out again after a shrink: the headline stays in view, the preview takes the new size', async () => {
    const app = await openApp(80, 24);
    await captured(app);
    app.resize(120, 40);
    await eventually(() => expect(app.canvas.area?.columns).toBe(66));
    app.resize(80, 24);
    await eventually(() => expect(app.canvas.area?.columns).toBe(36));
    const frame = app.lastFrame();
    expect(frame).toContain('REFER to a clinician');
    expect(frame).toContain('p(malignant) 35.4%');
    expectFits(frame, 80, 24);
  });
});

describe('keys that arrive in one read', () => {
  it('each counts: five Downs move five rows in history, and "hq" opens and closes it', async () => {
    const app = await openApp(100, 30, { fixedClock: false });
    for (let taken = 1; taken <= 7; taken++) {
      app.stdin.write(' ');
      await eventually(() => expect(app.lastFrame()).toContain(`captures: ${taken}`));
    }
    app.stdin.write('h');
    await eventually(() => expect(app.lastFrame()).toContain('History'));
    app.stdin.write(KEYS.right);
    for (let i = 0; i < 5; i++) app.stdin.write(KEYS.down); // five reads before the next frame is drawn
    app.stdin.write('b');
    await eventually(() => expect(app.lastFrame()).toContain(`capture ${app.store.captures()[5]!.id}`));
    app.stdin.write(KEYS.escape);
    await eventually(() => expect(app.lastFrame()).toContain('History')); // the form goes back to where it was opened
    app.stdin.write('qh');
    await eventually(() => expect(app.lastFrame()).toContain('History'));
    app.stdin.write('q');
    await eventually(() => expect(app.lastFrame()).not.toContain('History'));
  });
});

describe('Esc', () => {
  it('pressed twice to leave help goes back to the main screen, and does not quit', async () => {
    const app = await openApp(80, 24);
    app.stdin.write('?');
    await eventually(() => expect(app.lastFrame()).toContain('Keys'));
    app.stdin.write(KEYS.escape);
    await settle(100);
    app.stdin.write(KEYS.escape);
    await eventually(() => expect(app.lastFrame()).toContain('q quits.'));
    expect(app.lastFrame()).toContain('Not a medical device');
  });
});
