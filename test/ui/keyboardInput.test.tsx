import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { keyboardInput, keysInkCanName } from '../../src/ui/keyboardInput.js';
import { fakeClassifier } from '../helpers/fakeClassifier.js';
import { eventually, KEYS, recordingCanvas, renderAtSize } from './helpers.js';

/** Sequences on which Ink 6.8 throws ("Cannot read properties of undefined (reading 'startsWith')"). */
const UNNAMED = ['\u001b[1;5P', '\u001b[1;5Q', '\u001b[1;5R', '\u001b[1;5S', '\u001b[1;3P', '\u001b[1;6S', '\u001b[31m', '\u001b[0m', '\u001b\u001b[31m'];

describe('keysInkCanName', () => {
  it('drops Ctrl+F1..F4 and colour codes, keeping what is around them', () => {
    for (const sequence of UNNAMED) expect(keysInkCanName(sequence)).toEqual({ keys: '', pending: '' });
    expect(keysInkCanName('a\u001b[31mred\u001b[0m b').keys).toBe('ared b');
    expect(keysInkCanName('\u001b[200~pasted\u001b[201~').keys).toBe('pasted');
  });

  it('keeps the keys Ink names: arrows, Home, End, Delete, F1, Shift+Tab, Esc, Alt+key, control characters', () => {
    const kept = ['\u001b[A', '\u001b[1;5D', '\u001bOB', '\u001b[H', '\u001b[F', '\u001b[1~', '\u001b[4~', '\u001b[3~', '\u001bOP', '\u001b[11~', '\u001b[Z', '\u001b', '\u001b\u001b[A', '\u001bx', '\r', '\t', '\u007f', '\u0003', 'plain text'];
    for (const keys of kept) expect(keysInkCanName(keys)).toEqual({ keys, pending: '' });
  });

  it('holds a sequence cut at the end of one read until the next, and drops it whole', () => {
    expect(keysInkCanName('x\u001b[1;5')).toEqual({ keys: 'x', pending: '\u001b[1;5' });
    const chunks = ['x\u001b[1;5', 'Py'];
    const stdin = keyboardInput({ read: () => chunks.shift() ?? null } as unknown as NodeJS.ReadStream);
    expect([stdin.read(), stdin.read(), stdin.read()]).toEqual(['x', 'y', null]);
  });
});

describe('App reading keys through keyboardInput', () => {
  let store: SessionLog;
  afterEach(() => store.close());

  it('stays up on Ctrl+F1..F4 and pasted colour codes, and still acts on the keys after them', async () => {
    const still = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a0522d' } }).jpeg().toBuffer();
    const camera: CameraSource = { description: 'fake camera', previewFrame: async () => still, capture: async () => still, stop: async () => undefined };
    store = await SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-keys-')));
    const classifier = fakeClassifier({ answer: { p_malignant: 0.83 } });
    const flow = new CaptureFlow({ camera, classifier, store, appVersion: '0.0.0-test' }, { operator: 'alice' });
    const onQuit = vi.fn();
    const app = renderAtSize(
      <App camera={camera} flow={flow} model={classifier.info} store={store} renderFrame={async () => 'FRAME'} canvas={recordingCanvas()} onQuit={onQuit} />,
      100,
      30,
      keyboardInput,
    );
    await eventually(() => expect(app.lastFrame()).toContain('capture'));
    for (const sequence of UNNAMED) app.stdin.write(sequence);
    app.stdin.write('\u001b[31mred\u001b[0m');
    app.stdin.write('?');
    await eventually(() => expect(app.lastFrame()).toContain('None of these is a diagnosis'));
    app.stdin.write(KEYS.escape);
    await eventually(() => expect(app.lastFrame()).not.toContain('None of these is a diagnosis'));
    app.stdin.write(' ');
    await eventually(() => expect(app.lastFrame()).toContain('REFER to a clinician'));
    expect(onQuit).not.toHaveBeenCalled();
    app.unmount();
  });
});
