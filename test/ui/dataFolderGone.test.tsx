import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { fakeClassifier } from '../helpers/fakeClassifier.js';
import { eventually, recordingCanvas, settle } from './helpers.js';

const still = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

function countingCamera(): CameraSource & { capture: ReturnType<typeof vi.fn> } {
  return { description: 'fake camera', previewFrame: async () => still, capture: vi.fn(async () => still), stop: async () => undefined };
}

const oneLine = (frame: string | undefined) => (frame ?? '').replace(/\s+/g, ' ');

describe('App with its data folder moved away (issue 23, item 7)', () => {
  it('says so in one sentence at the next capture, takes no picture and saves nothing', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-ui-gone-')), 'data');
    const store = await SessionLog.open(dir);
    const camera = countingCamera();
    const classifier = fakeClassifier({ answer: { p_malignant: 0.04 } });
    const flow = new CaptureFlow({ camera, classifier, store, appVersion: '0.0.0-test' }, { operator: 'alice' });
    const { stdin, lastFrame, unmount } = render(<App camera={camera} flow={flow} model={classifier.info} store={store} renderFrame={async () => ''} canvas={recordingCanvas()} previewIntervalMs={1000} />);
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('captures: 1'));

    renameSync(dir, `${dir}-moved`);
    stdin.write(' ');
    await eventually(() => expect(oneLine(lastFrame())).toContain(`The data folder ${dir} was moved or deleted while dermacam was running, so nothing more is saved: put it back, or restart dermacam.`));
    expect(camera.capture).toHaveBeenCalledTimes(1); // the second press took no picture
    expect(classifier.classify).toHaveBeenCalledTimes(1);
    expect(existsSync(dir)).toBe(false);
    expect(store.captures()).toHaveLength(1);
    unmount();
    await store.close();
  });
});
