import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '../src/classifier/classifier.js';
import { ModelFolderError } from '../src/classifier/modelFile.js';
import { FIXTURES, SHIPPED_MODEL } from './helpers/paths.js';
import { writeTinyModel } from './helpers/tinyModel.js';

let modelDir: string;
beforeAll(async () => {
  modelDir = await writeTinyModel();
});

function copyOfModel(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-model-'));
  cpSync(modelDir, dir, { recursive: true });
  return dir;
}

describe('loading a model folder', () => {
  it('loads, reports its id and backend, and classifies a fixture', async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir, backend: 'cpu' });
    const card = JSON.parse(readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
    expect(classifier.modelId).toBe(`tiny-test-model@${card.weights_sha256.slice(0, 12)}`);
    expect(classifier.backend).toBe('cpu');
    const prediction = await classifier.classifyFile(path.join(FIXTURES, 'ISIC_0024323.jpg'));
    expect(prediction.p_malignant).toBeGreaterThan(0);
    expect(prediction.p_malignant).toBeLessThan(1);
    expect(prediction.label).toBe(prediction.p_malignant >= 0.5 ? 'malignant' : 'benign');
    expect(prediction.ms).toBeGreaterThan(0);
    // the tiny model sums the mean colour: check the number against the formula
    const mean = (await import('../src/classifier/preprocess.js')).preprocessImage;
    const values = await mean(path.join(FIXTURES, 'ISIC_0024323.jpg'), card.input);
    const logit = values.reduce((sum, v) => sum + v, 0) / (224 * 224);
    expect(prediction.p_malignant).toBeCloseTo(1 / (1 + Math.exp(-logit)), 2);
    classifier.dispose();
  });

  it('refuses weights that do not match the checksum in the card', async () => {
    const dir = copyOfModel();
    const weights = readFileSync(path.join(dir, 'weights.bin'));
    weights[0] = weights[0]! ^ 0xff;
    writeFileSync(path.join(dir, 'weights.bin'), weights);
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/do not match the checksum/);
  });

  it('refuses a missing weight shard', async () => {
    const dir = copyOfModel();
    rmSync(path.join(dir, 'weights.bin'));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/The weight file weights\.bin of the model in .* is missing\.$/);
  });

  it('refuses a truncated weight shard', async () => {
    const dir = copyOfModel();
    truncateSync(path.join(dir, 'weights.bin'), 3);
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/truncated or corrupt/);
  });

  it('refuses a folder without a card, or without a model', async () => {
    const dir = copyOfModel();
    rmSync(path.join(dir, 'model-card.json'));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/has no model-card.json/);
    await expect(loadClassifier({ tf: async () => tf, modelDir: os.tmpdir(), backend: 'cpu' })).rejects.toBeInstanceOf(ModelFolderError);
  });

  it('refuses a card from another schema version, or with a field missing or malformed, naming the field', async () => {
    const dir = copyOfModel();
    const cardFile = path.join(dir, 'model-card.json');
    const card = JSON.parse(readFileSync(cardFile, 'utf8'));
    writeFileSync(cardFile, JSON.stringify({ ...card, schema_version: 1 }));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/schema version 1 where this app reads version 2/);
    const { quality_limits: _dropped, ...withoutLimits } = card;
    writeFileSync(cardFile, JSON.stringify(withoutLimits));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/lacks a valid quality_limits\.$/);
    // the damage limits may be missing (the tiny card has none), but not malformed
    writeFileSync(cardFile, JSON.stringify({ ...card, quality_limits: { ...card.quality_limits, maxNoise: 'loud' } }));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/lacks a valid quality_limits\.$/);
    // a model trained with its frames handled some other way must not be fed pictures handled this way
    writeFileSync(cardFile, JSON.stringify({ ...card, input: { ...card.input, frame: 'mask' } }));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/lacks a valid input\.$/);
    writeFileSync(cardFile, JSON.stringify({ ...card, threshold: 1.5, test_time_flips: ['sideways'] }));
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/lacks a valid test_time_flips, threshold\.$/);
  });

  it('refuses a "not a lesion" model file that does not match the card, or is missing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-shipped-'));
    cpSync(SHIPPED_MODEL, dir, { recursive: true });
    const ood = path.join(dir, 'ood.bin');
    const bytes = readFileSync(ood);
    bytes[100] ^= 0xff;
    writeFileSync(ood, bytes);
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/ood\.bin does not match the checksum in the model card/);
    rmSync(ood);
    await expect(loadClassifier({ tf: async () => tf, modelDir: dir, backend: 'cpu' })).rejects.toThrow(/lacks ood\.bin/);
  });

  it('says clearly when a forced backend is not available', async () => {
    await expect(loadClassifier({ tf: async () => tf, modelDir, backend: 'node' })).rejects.toThrow(/^The node backend cannot be used: the optional package @tensorflow\/tfjs-node is not installed; try --backend auto\.$/);
  });
});
