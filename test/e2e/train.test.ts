import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { FIXTURES, REPO, SHARED_DATA } from '../helpers/paths.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-train-'));
const out = path.join(work, 'model');
const runDir = path.join(work, 'runs', 'dermacam-mnv1-075-limit12');
/** Left out of training and val, as a study of an unseen camera does; the rest of the pipeline runs as ever. */
const LEFT_OUT_SOURCE = 'vidir_molemax';
const trainArgs = (epochs: number) => [
  'run', 'train', '--', '--alpha', '0.75', '--limit', '12', '--epochs', String(epochs), '--threads', '1', '--frame', 'crop-and-fill', '--augment', 'lesion-webcam',
  '--leave-out-source', LEFT_OUT_SOURCE, '--cache-dir', path.join(work, 'pixels'), '--runs-dir', path.join(work, 'runs'), '--report-dir', work, '--out', out,
];

const readCsv = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

/** Runs `npm run train` in its own process group; `stopWhen` kills the whole group once it holds. */
function train(args: string[], stopWhen?: () => boolean): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const poll = stopWhen && setInterval(() => stopWhen() && process.kill(-child.pid!, 'SIGKILL'), 200);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      resolve({ code, output });
    });
  });
}

describe('npm run train on a tiny subset (the whole pipeline: cache, fine-tune, export, parity, card)', () => {
  it('resumes a fine-tuning killed after its first epoch, and writes a model folder the app loads', async () => {
    const killed = await train(trainArgs(2), () => existsSync(path.join(runDir, 'checkpoint.pt')));
    expect(killed.code).not.toBe(0);
    expect(existsSync(path.join(runDir, 'export.json'))).toBe(false);

    const { code, output } = await train(trainArgs(2));
    expect(code, output).toBe(0);
    expect(output).toMatch(/resuming after epoch 1/);
    expect(output).toMatch(/left out of training and val: HAM10000 source vidir_molemax/);
    expect(output).not.toMatch(/epoch 1\/2 step/);

    const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.weights_dtype).toBe('float16');
    const leftOut = readCsv(path.join(SHARED_DATA, 'ham10000', 'metadata.csv')).filter((row) => row.dataset === LEFT_OUT_SOURCE).map((row) => row.image_id);
    const [cache] = readdirSync(path.join(work, 'pixels'));
    for (const set of ['ham-train', 'ham-val']) {
      const { rows } = JSON.parse(readFileSync(path.join(work, 'pixels', cache!, `${set}.json`), 'utf8')) as { rows: { id: string }[] };
      expect(rows.filter((row) => leftOut.includes(row.id))).toEqual([]);
    }
    expect(card.training.split_rule).toMatch(/source vidir_molemax left out of training and val \(kept in test\)/);
    // frames are taken out in training and in the app alike; the fine-tuning drew framed copies for its dark fields
    expect(card.input.frame).toBe('crop-and-fill');
    expect(output).toMatch(/dark field: ham-train benign [\d.]+% framed; framed copy for/);
    expect(card.training.method.augmentation).toMatch(/sensor noise on 30% of pictures.*; the JPEG copies at quality 30-70$/);
    expect(card.out_of_distribution.fitted_on).toMatch(/with sensor noise/);
    expect(card.provenance.parity.maxAbsLogitDifference).toBeLessThanOrEqual(0.05);
    expect(Object.keys(card.provenance.stage_seconds)).toEqual([
      'pixel cache', 'fine-tune', 'export', 'parity', 'ONNX export and parity probe', 'calibration, threshold and uncertain band', '"not a lesion" check', 'quality gate limits', 'shortcut and robustness suite (val)', 'HAM test split (read once)',
    ]);
    expect(card.metrics.ham10000_test.n).toBe(12);
    expect(card.metrics.ham10000_test.subgroups.dx.length).toBeGreaterThan(0);
    expect(card.metrics.ham10000_test.subgroups.dataset.length).toBeGreaterThan(0);
    // calibration and threshold are fitted on both val sources, and each is reported
    expect(card.calibration.fitted_on).toMatch(/HAM10000 val and isic-extra val pooled/);
    expect(card.metrics.isic_extra_val.n).toBe(12);
    // the suite ran every transform on both val sets, each beside its clean row
    const suite = card.metrics.robustness as { columns: string[]; rows: (string | number)[][] };
    expect(suite.columns.slice(0, 2)).toEqual(['set', 'transform']);
    expect(suite.rows.filter(([, transform]) => transform === 'clean').map(([set]) => set)).toEqual(['ham-val', 'isic-val']);
    expect(suite.rows.length).toBe(2 * 20);
    // epochs counted from 1 in the history as in the selection sentence that names the kept one
    expect(card.training.history.map((row: { epoch: number }) => row.epoch)).toEqual([1, 2]);
    expect(card.training.method.selection).toMatch(/chosen: epoch [12],/);
    const report = readFileSync(path.join(work, 'dermacam-mnv1-075-training-report.md'), 'utf8');
    expect(report).toMatch(/## HAM10000 test split/);
    expect(report).toMatch(/## Shortcuts and robustness \(val only\)/);
    // the model folder holds what the app loads, and nothing else
    expect(readdirSync(out).sort()).toEqual(['model-card.json', 'model.json', 'model.onnx', 'ood.bin', 'weights.bin']);

    // the ONNX export answers as the tfjs network does, and both pass the card's parity probe at load
    const predictions = [];
    for (const backend of ['cpu', 'onnx'] as const) {
      const classifier = await loadClassifier({ tf: async () => tf, modelDir: out, backend });
      predictions.push(await classifier.classifyFile(path.join(FIXTURES, 'ISIC_0024323.jpg')));
      classifier.dispose();
    }
    expect(predictions[0]!.p_malignant).toBeGreaterThanOrEqual(0);
    expect(predictions[0]!.p_malignant).toBeLessThanOrEqual(1);
    expect(Math.abs(predictions[1]!.p_malignant - predictions[0]!.p_malignant)).toBeLessThan(1e-3);
  });

  it('reuses the cache and a finished fine-tuning on a rerun', async () => {
    const { code, output } = await train(trainArgs(2));
    expect(code, output).toBe(0);
    expect(output).toMatch(/is finished with these settings; reusing its export/);
    expect(output).not.toMatch(/pixel cache ham-train/);
  });

  it('refuses to reuse a finished fine-tuning made with other settings', async () => {
    const { code, output } = await train([...trainArgs(2), '--augment', 'flips']);
    expect(code).toBe(1);
    expect(output).toMatch(/was made with other settings; remove .* to start again/);
  });

  it('distils the alpha 0.25 model from the finished alpha 0.75 run', async () => {
    const student = path.join(work, 'student');
    const args = ['run', 'train', '--', '--alpha', '0.25', '--limit', '12', '--epochs', '1', '--threads', '1', '--leave-out-source', LEFT_OUT_SOURCE,
      '--cache-dir', path.join(work, 'pixels'), '--runs-dir', path.join(work, 'runs'), '--report-dir', work, '--out', student];
    const { code, output } = await train(args);
    expect(code, output).toBe(0);
    const card = JSON.parse(readFileSync(path.join(student, 'model-card.json'), 'utf8'));
    expect(card.training.method.distilled_from_teacher).toBe(true);
    expect(card.architecture).toMatch(/alpha 0\.25/);
  });
});
