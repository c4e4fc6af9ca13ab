import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import { CaptureFlow, type CaptureOutcome } from '../../src/capture/captureFlow.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { hostileImages } from '../helpers/hostileImages.js';
import { startBuiltWorkers } from '../helpers/builtWorkers.js';
import { writeTinyModel } from '../helpers/tinyModel.js';
import { eventually, recordingCanvas, settle } from '../ui/helpers.js';

describe('hostile stills through the capture path of the app', () => {
  it('logs every still it can read, classified or refused with a reason, says so for the others, and stays up with bounded memory', async () => {
    const stills = await hostileImages();
    let next = 0;
    const camera: CameraSource = {
      description: 'hostile camera',
      previewFrame: async () => stills[0]!.bytes,
      capture: async () => stills[next++]!.bytes,
      stop: async () => undefined,
    };
    const store = await SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-capture-fuzz-')));
    const classifier = await startBuiltWorkers({ modelDir: await writeTinyModel(), backend: 'cpu' }, 2);
    const flow = new CaptureFlow({ camera, classifier, store, appVersion: 'fuzz' }, { operator: 'fuzz' });
    const rssBefore = process.memoryUsage().rss;
    const { stdin, lastFrame, unmount } = render(
      <App camera={camera} flow={flow} model={classifier.info} store={store} renderFrame={async () => ''} canvas={recordingCanvas()} previewIntervalMs={1000} />,
    );
    const outcomes: CaptureOutcome[] = [];
    const capture = flow.capture.bind(flow);
    flow.capture = async () => {
      const outcome = await capture();
      outcomes.push(outcome);
      return outcome;
    };
    const logged: { name: string; bytes: Buffer }[] = [];
    try {
      await settle(50);
      for (let i = 0; i < stills.length; i++) {
        stdin.write(' ');
        await eventually(() => expect(outcomes).toHaveLength(i + 1), 10_000);
        const outcome = outcomes[i]!;
        if (outcome.kind === 'failed') {
          await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' '), stills[i]!.name).toMatch(/The picture could not be classified, so nothing was logged: [a-z][^\n]*\./));
        } else {
          logged.push(stills[i]!);
          await eventually(() => expect(lastFrame()).toContain(`captures: ${logged.length}`));
        }
        await settle(5);
      }
      const unreadable = stills.length - logged.length;
      const captures = store.captures();
      expect(captures).toHaveLength(logged.length);
      captures.forEach((capture, i) => {
        const { name, bytes } = logged[i]!;
        expect(capture.image_sha256, name).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(readFileSync(path.join(store.dataDir, capture.image_path)).equals(bytes), name).toBe(true);
        if (capture.label === 'rejected') expect(JSON.parse(capture.quality_reasons)[0], name).toMatch(/^[a-z][^\n]*$/);
      });
      console.log(`capture fuzz: ${stills.length} hostile stills, ${logged.length} logged, ${unreadable} unreadable and not logged`);
      expect(unreadable).toBeGreaterThan(0);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 * 1024);
    } finally {
      unmount();
      await classifier.close();
      await store.close();
    }
  });
});
