import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModelFolder } from '../../scripts/lib/exportModel.js';

/**
 * A small but real model folder in the shipped format (model.json, float16 weights, card):
 * average colour -> one logit. Fast to load, for tests of loading and of bad input.
 */
export async function writeTinyModel(dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-tiny-'))): Promise<string> {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [224, 224, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input);
  const logit = tf.layers.dense({ units: 1, kernelInitializer: 'ones', name: 'head_logit' }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logit });
  const saved = await saveModelFolder(model, dir, 'float16');
  const card = {
    name: 'tiny-test-model',
    version: '0.0.0',
    input: { size: 224, normalisation: 'mobilenet', crop: 'centre-square', colour: 'RGB' },
    classes: ['benign', 'malignant'],
    output: 'malignant-logit',
    test_time_flips: ['none', 'h'],
    calibration: { method: 'temperature-and-bias', temperature: 1, bias: 0, fitted_on: 'nothing' },
    threshold: 0.5,
    weights_sha256: saved.sha256,
    weights_dtype: 'float16',
  };
  writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(card));
  model.dispose();
  return dir;
}
