import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, type Classifier } from '../src/classifier/classifier.js';
import { listImageSet } from '../scripts/lib/datasets.js';
import { readPicture, TRANSFORMS } from '../scripts/lib/lesionTransforms.js';
import { quantile } from '../scripts/lib/quantile.js';
import { limitedSample } from '../scripts/lib/sample.js';
import { SHARED_DATA, SHIPPED_MODEL } from './helpers/paths.js';

const logit = (p: number) => Math.log(p / (1 - p));
const blackField = TRANSFORMS.find((t) => t.name === 'black circular field, radius 1.0')!;

/**
 * The shortcut that classifier v2 took: a dark border meant "malignant". Painting a dermatoscope's
 * black circular field around these 24 benign HAM10000 val lesions moved v2's median calibrated
 * logit by +10.2. The shipped model must judge the lesion, not the frame.
 */
describe('the shipped model and a black circular field (HAM10000 val, benign)', () => {
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await loadClassifier({ tf: async () => tf, modelDir: SHIPPED_MODEL, backend: 'wasm' });
  });
  afterAll(() => classifier.dispose());

  it('moves the median calibrated logit of benign lesions by at most 0.5', async () => {
    const benign = listImageSet(SHARED_DATA, 'ham-val').filter((image) => image.label === 'benign');
    const changes: number[] = [];
    for (const image of limitedSample(benign, 24, 7)) {
      const clean = await classifier.classifyFile(image.file);
      const framed = await classifier.classifyFile(await blackField.apply(await readPicture(image.file), Math.random));
      changes.push(logit(framed.p_malignant) - logit(clean.p_malignant));
    }
    expect(Math.abs(quantile(changes, 0.5))).toBeLessThanOrEqual(0.5);
  });
});
