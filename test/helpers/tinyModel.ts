import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CARD_SCHEMA_VERSION } from '../../src/classifier/modelCard.js';
import { encodeGaussian } from '../../src/classifier/outOfDistribution.js';
import { saveModelFolder } from '../../scripts/lib/exportModel.js';

/** The quality limits of the first shipped model, read off the training images then. */
/** Without the damage limits, like a card written before them. */
export const TEST_QUALITY_LIMITS = {
  minSharpness: 12, minBrightness: 45, maxBrightness: 230, maxClippedDark: 0.7, maxClippedBright: 0.35,
  minLesionArea: 0.01, maxLesionOffset: 0.42, minLesionContrast: 0.07, rule: 'test',
};

/**
 * A small but real model folder in the shipped format (model.json, float16 weights, a complete
 * card, a "not a lesion" Gaussian): average colour -> identity hidden layer -> one logit, their
 * sum. Fast to load, for tests of loading and of bad input.
 */
export async function writeTinyModel(dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-tiny-'))): Promise<string> {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [224, 224, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input);
  const hidden = tf.layers.dense({ units: 3, kernelInitializer: 'identity', name: 'head_hidden' }).apply(pooled);
  const logit = tf.layers.dense({ units: 1, kernelInitializer: 'ones', name: 'head_logit' }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logit });
  const saved = await saveModelFolder(model, dir, 'float16');
  const gaussian = encodeGaussian({ mean: new Float32Array(3), precision: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), dims: 3 });
  writeFileSync(path.join(dir, 'ood.bin'), gaussian);
  const card = {
    schema_version: CARD_SCHEMA_VERSION,
    name: 'tiny-test-model',
    version: '0.0.0',
    date: '2026-11-27',
    architecture: 'mean colour -> identity -> sum',
    base_weights: 'none',
    input: { size: 224, normalisation: 'mobilenet', crop: 'centre-square', colour: 'RGB' },
    classes: ['benign', 'malignant'],
    output: 'malignant-logit',
    test_time_flips: ['none', 'h'],
    calibration: { method: 'temperature-and-bias', temperature: 1, bias: 0, fitted_on: 'nothing' },
    threshold: 0.5,
    threshold_rule: 'test',
    uncertain_band: { low: 0.5, high: 0.5, rule: 'empty' },
    out_of_distribution: {
      method: 'mahalanobis', layer: 'head_hidden', file: 'ood.bin', sha256: createHash('sha256').update(gaussian).digest('hex'),
      dims: 3, threshold: 1e6, threshold_rule: 'never', fitted_on: 'nothing',
    },
    quality_limits: TEST_QUALITY_LIMITS,
    weights_sha256: saved.sha256,
    weights_dtype: 'float16',
    size_bytes: saved.bytes,
    training: {},
    metrics: {},
    latency: {},
    provenance: {},
    intended_use: 'tests',
    limits: ['a test model'],
    disclaimer: 'Not a medical device.',
  };
  writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(card));
  model.dispose();
  return dir;
}
