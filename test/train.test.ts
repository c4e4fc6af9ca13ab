import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../src/classifier/classifier.js';
import { FIXTURES, REPO } from './helpers/paths.js';

describe('npm run train on a tiny subset', () => {
  it('runs end to end and writes a loadable model folder', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-train-'));
    const out = path.join(work, 'model');
    const args = ['run', 'train', '--', '--limit', '12', '--folds', '2', '--epochs', '2', '--threads', '1', '--cache-dir', path.join(work, 'cache'), '--out', out];
    const failure = await new Promise<string | undefined>((resolve) => {
      execFile('npm', args, { cwd: REPO, timeout: 170_000, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => resolve(error ? stderr : undefined));
    });
    expect(failure).toBeUndefined();
    const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.weights_dtype).toBe('float16');
    expect(card.metrics.ham10000_test.n).toBe(12);
    expect(readFileSync(path.join(out, 'training-report.md'), 'utf8')).toMatch(/## Ablation/);
    const classifier = await loadClassifier({ tf, modelDir: out, backend: 'cpu' });
    const prediction = await classifier.classifyFile(path.join(FIXTURES, 'ISIC_0024323.jpg'));
    expect(prediction.p_malignant).toBeGreaterThanOrEqual(0);
    expect(prediction.p_malignant).toBeLessThanOrEqual(1);
    classifier.dispose();
  });
});
