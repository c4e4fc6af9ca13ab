import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { hostileImages } from '../helpers/hostileImages.js';
import { REPO } from '../helpers/paths.js';
import { writeTinyModel } from '../helpers/tinyModel.js';
import { eventually, recordingCanvas, settle } from './helpers.js';

// the classifier runs in worker threads from the built code, as in the app
const { startClassifierWorkers } = (await import(path.join(REPO, 'dist', 'classifier', 'workerClient.js'))) as typeof import('../../src/classifier/workerClient.js');

describe('hostile stills through the capture path of the app', () => {
  it('logs every still, classified or refused with a reason, and stays up with bounded memory', async () => {
    const stills = await hostileImages();
    let next = 0;
    const camera: CameraSource = {
      description: 'hostile camera',
      previewFrame: async () => stills[0]!.bytes,
      capture: async () => stills[next++]!.bytes,
      stop: async () => undefined,
    };
    const store = await SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-capture-fuzz-')));
    const classifier = await startClassifierWorkers({ modelDir: await writeTinyModel(), backend: 'cpu' }, 2);
    const rssBefore = process.memoryUsage().rss;
    const { stdin, lastFrame, unmount } = render(
      <App camera={camera} classifier={classifier} store={store} session={await store.startSession('fuzz')} renderFrame={async () => ''} canvas={recordingCanvas()} previewIntervalMs={1000} />,
    );
    try {
      await settle(50);
      for (let i = 0; i < stills.length; i++) {
        stdin.write(' ');
        // the session count is drawn once the capture has finished: only then does the app take the next space
        await eventually(() => expect(lastFrame()).toContain(`captures: ${i + 1}`), 10_000);
        await settle(5);
      }
      expect(lastFrame()).toContain(`captures: ${stills.length}`);
      const captures = store.captures();
      captures.forEach((capture, i) => {
        const { name, bytes } = stills[i]!;
        expect(capture.image_sha256, name).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(readFileSync(path.join(store.dataDir, capture.image_path)).equals(bytes), name).toBe(true);
        if (capture.label === 'rejected') expect(JSON.parse(capture.quality_reasons)[0], name).toMatch(/^[a-z][^\n]*$/);
      });
      const refused = captures.filter((capture) => capture.p_malignant === null).length;
      console.log(`capture fuzz: ${stills.length} hostile stills logged, ${refused} refused as unreadable, ${stills.length - refused} classified`);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 * 1024);
    } finally {
      unmount();
      await classifier.close();
      await store.close();
    }
  });
});
