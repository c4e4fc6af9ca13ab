import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { startBuiltWorkers } from '../helpers/builtWorkers.js';
import { FIXTURES, SHIPPED_MODEL } from '../helpers/paths.js';

/** The shipped model with all four test-time flips in its card, so that there are flips to share out. */
function modelWithFourFlips(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-flips-'));
  cpSync(SHIPPED_MODEL, dir, { recursive: true });
  const card = JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8'));
  writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify({ ...card, test_time_flips: ['none', 'h', 'v', 'hv'] }));
  return dir;
}

describe('classifier worker threads', () => {
  it('give the same probability as the in-process classifier, however the flips are shared out', async () => {
    const modelDir = modelWithFourFlips();
    const image = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg'));
    const inProcess = await loadClassifier({ tf: async () => tf, modelDir, backend: 'wasm' });
    const expected = await inProcess.classifyFile(image);
    inProcess.dispose();
    for (const count of [1, 2, 3]) {
      const workers = await startBuiltWorkers({ modelDir, backend: 'wasm' }, count);
      try {
        expect(workers.info.modelId).toBe(inProcess.modelId);
        const prediction = await workers.classify(image);
        expect(prediction.p_malignant).toBeCloseTo(expected.p_malignant, 5);
        expect(prediction.label).toBe(expected.label);
        await expect(workers.classify(Buffer.from('not an image'))).rejects.toThrow(/^[^\n]+\.$/);
      } finally {
        await workers.close();
      }
    }
  });

  it('fail a classification in one sentence when a worker stops during it, instead of leaving it waiting', async () => {
    const workers = await startBuiltWorkers({ modelDir: SHIPPED_MODEL, backend: 'wasm' }, 2);
    const running = expect(workers.classify(readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg')))).rejects.toThrow(
      /^The classifier stopped \(exit code \d+\); restart dermacam\.$/,
    );
    await workers.close();
    await running;
  });

  it('refuse to start with a model folder that is not there, in one sentence', async () => {
    await expect(startBuiltWorkers({ modelDir: '/nonexistent/model', backend: 'wasm' }, 2)).rejects.toThrow(/^[^\n]+\.$/);
  });
});
