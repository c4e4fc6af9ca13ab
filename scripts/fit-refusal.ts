/**
 * Fits what lets a shipped model refuse to answer, and records it in its model card:
 *  - the "not a lesion" check: a Gaussian over the head's hidden layer, fitted on the training
 *    images (HAM train + ISIC train, every test-time flip), thresholded on HAM val so that
 *    `--val-pass` of its lesions pass;
 *  - the "uncertain" band: calibrated probabilities around the threshold, as wide (in logit) as
 *    needed to hold `--uncertain-share` of the HAM val images.
 * Reads the cached MobileNet features (npm run train fills the cache), not the images.
 *   npx tsx scripts/fit-refusal.ts [--model models/dermacam-mnv1-075] [--base ../shared/models/mobilenet_v1_0.75_224]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/classifier/backend.js';
import type { Flip } from '../src/classifier/features.js';
import { readLayersFolder } from '../src/classifier/layersFolder.js';
import { CARD_FILE, type ModelCard } from '../src/classifier/modelCard.js';
import { encodeGaussian, mahalanobis, type GaussianModel, type OutOfDistributionSpec } from '../src/classifier/outOfDistribution.js';
import { listImageSet, type ImageSet } from './lib/datasets.js';
import { fitGaussian } from './lib/gaussian.js';
import { quantile } from './lib/quantile.js';
import { loadFeatureMatrix } from './lib/trainData.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/dermacam-mnv1-075' },
    base: { type: 'string', default: '../shared/models/mobilenet_v1_0.75_224' },
    'data-dir': { type: 'string', default: '../shared/data' },
    'cache-dir': { type: 'string', default: '.cache/features' },
    'val-pass': { type: 'string', default: '0.98' },
    'uncertain-share': { type: 'string', default: '0.10' },
    shrinkage: { type: 'string', default: '0.01' },
  },
});
const HIDDEN = 'head_hidden';
const OOD_FILE = 'ood.bin';

await selectBackend(tf, 'wasm');
const modelDir = args.model!;
const card = JSON.parse(readFileSync(path.join(modelDir, CARD_FILE), 'utf8')) as ModelCard & Record<string, unknown>;
const model = await tf.loadLayersModel(tf.io.fromMemory((await readLayersFolder(modelDir)).artifacts));
const [hiddenKernel, hiddenBias] = model.getLayer(HIDDEN).getWeights() as [tf.Tensor2D, tf.Tensor1D];
const [logitKernel, logitBias] = model.getLayer('head_logit').getWeights() as [tf.Tensor2D, tf.Tensor1D];
const dims = hiddenBias.shape[0];
const baseKey = `${path.basename(args.base!)}-${(await readLayersFolder(args.base!)).weightsSha256.slice(0, 12)}`;
const flips = card.test_time_flips;

/** Hidden activations of every image of a set under each flip: [flip] -> rows x dims. */
function hiddenOf(set: ImageSet): Float32Array[] {
  const images = listImageSet(args['data-dir']!, set);
  const matrix = loadFeatureMatrix(args['cache-dir']!, baseKey, set, images);
  return flips.map((flip: Flip) => {
    const features = matrix.byFlip[flip];
    if (!features) throw new Error(`the ${flip} features of ${set} are not cached; run npm run train first`);
    return tf.tidy(() => {
      const x = tf.tensor2d(features, [matrix.rows, matrix.dims]);
      return tf.relu(tf.matMul(x, hiddenKernel).add(hiddenBias)).dataSync() as Float32Array;
    });
  });
}

function* rowsOf(perFlip: Float32Array[]): Generator<Float32Array> {
  for (const values of perFlip) for (let r = 0; r < values.length / dims; r++) yield values.subarray(r * dims, (r + 1) * dims);
}

/** Per image: mean over flips of the Mahalanobis distance, and of the malignant logit. */
function scoresOf(perFlip: Float32Array[], gaussian: GaussianModel): { distance: number[]; logit: number[] } {
  const rows = perFlip[0]!.length / dims;
  const distance = new Array<number>(rows).fill(0);
  const logit = new Array<number>(rows).fill(0);
  for (const values of perFlip) {
    const [d, l] = tf.tidy(() => {
      const h = tf.tensor2d(values, [rows, dims]);
      return [mahalanobis(tf, h, gaussian).dataSync(), tf.matMul(h, logitKernel).add(logitBias).dataSync()];
    });
    for (let r = 0; r < rows; r++) {
      distance[r]! += d![r]! / perFlip.length;
      logit[r]! += l![r]! / perFlip.length;
    }
  }
  return { distance, logit };
}

const share = (values: number[], keep: (v: number) => boolean) => values.filter(keep).length / values.length;

console.log(`fitting the Gaussian of ${HIDDEN} (${dims} units) on HAM train + ISIC train, ${flips.length} flips each`);
const gaussian = fitGaussian([...rowsOf(hiddenOf('ham-train')), ...rowsOf(hiddenOf('isic-train'))], dims, Number(args.shrinkage));
const val = scoresOf(hiddenOf('ham-val'), gaussian);
const isicVal = scoresOf(hiddenOf('isic-val'), gaussian);
const test = scoresOf(hiddenOf('ham-test'), gaussian);
const threshold = quantile(val.distance, Number(args['val-pass']));

const bytes = encodeGaussian(gaussian);
writeFileSync(path.join(modelDir, OOD_FILE), bytes);
const spec: OutOfDistributionSpec = {
  method: 'mahalanobis',
  layer: HIDDEN,
  file: OOD_FILE,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  dims,
  threshold,
  threshold_rule: `${Number(args['val-pass']) * 100}th percentile of the HAM10000 val split's distances (mean over the test-time flips)`,
  fitted_on: `HAM10000 train + ISIC extra train, every test-time flip; covariance shrinkage ${args.shrinkage}`,
};

// the band: |calibrated logit - threshold logit| < halfWidth for the chosen share of HAM val
const { temperature, bias } = card.calibration;
const calibratedLogit = (logit: number) => logit / temperature + bias;
const thresholdLogit = Math.log(card.threshold / (1 - card.threshold));
const halfWidth = quantile(val.logit.map((l) => Math.abs(calibratedLogit(l) - thresholdLogit)), Number(args['uncertain-share']));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const band = { low: sigmoid(thresholdLogit - halfWidth), high: sigmoid(thresholdLogit + halfWidth) };
const inBand = (logit: number) => Math.abs(calibratedLogit(logit) - thresholdLogit) < halfWidth;

const passes = (d: number) => d <= threshold;
const measured = {
  ham_val_pass_rate: share(val.distance, passes),
  isic_val_pass_rate: share(isicVal.distance, passes),
  ham_test_pass_rate: share(test.distance, passes),
  ham_test_uncertain_share: share(test.logit, inBand),
};
card.out_of_distribution = { ...spec, measured: { ham_val_pass_rate: measured.ham_val_pass_rate, isic_val_pass_rate: measured.isic_val_pass_rate, ham_test_pass_rate: measured.ham_test_pass_rate } };
card.uncertain_band = {
  ...band,
  rule: `calibrated logit within ${halfWidth.toFixed(3)} of the threshold's: the ${Number(args['uncertain-share']) * 100}% of HAM10000 val images nearest the threshold`,
  measured: { ham_test_share: measured.ham_test_uncertain_share },
};
writeFileSync(path.join(modelDir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
console.log(JSON.stringify({ threshold, band, ...measured }, null, 2));
