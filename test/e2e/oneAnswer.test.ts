import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/camera/openCamera.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { readRegularFile } from '../../src/regularFile.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { startBuiltWorkers } from '../helpers/builtWorkers.js';
import { FIXTURES, SHIPPED_MODEL } from '../helpers/paths.js';

/** How far apart two routes' p(malignant) for the same picture may be. */
const TOLERANCE = 0.005;
const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).sort();

describe('one picture, one answer', () => {
  it('gives each fixture the same p(malignant) and label through classify, eval, a file: camera into the log, and the logged JPEG', async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir: SHIPPED_MODEL, backend: 'auto' });
    // the app's classifier: worker threads, as many as it starts
    const workers = await startBuiltWorkers({ modelDir: SHIPPED_MODEL, backend: 'auto' }, 2);
    const store = await SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-one-answer-')));
    try {
      expect(workers.info.backend).toBe(classifier.backend);
      for (const name of fixtures) {
        const file = path.join(FIXTURES, name);
        const bytes = await readRegularFile(file);
        const classify = await classifier.classifyFile(bytes); // classify reads the file once, for the answer and its map
        const evaluation = await classifier.classifyFile(file); // eval names the file
        const camera = await openCamera(`file:${file}`);
        expect((await camera.capture()).equals(bytes), `${name}: the camera's still is the file`).toBe(true);
        const outcome = await new CaptureFlow({ camera, classifier: workers, store, appVersion: 'test' }, { operator: 'tester' }).capture();
        if (outcome.kind === 'failed') throw new Error(`${name}: ${outcome.message}`);
        const logged = await readRegularFile(path.join(store.dataDir, outcome.capture.image_path));
        expect(logged.equals(bytes), `${name}: the log keeps the file`).toBe(true);
        const routes: [string, { p_malignant: number | null; label: string }][] = [
          ['eval', evaluation],
          ['the app, as logged', outcome.capture],
          ['the logged JPEG, classified again', await classifier.classifyFile(logged)],
        ];
        for (const [route, answer] of routes) {
          expect(Math.abs((answer.p_malignant ?? Number.NaN) - classify.p_malignant), `${name}: ${route}`).toBeLessThanOrEqual(TOLERANCE);
          expect(answer.label, `${name}: ${route}`).toBe(classify.label);
        }
      }
    } finally {
      classifier.dispose();
      await workers.close();
      await store.close();
    }
  });
});
