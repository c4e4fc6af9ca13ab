/**
 * Does the preprocessing's JPEG step pay? A camera picture is brought to the training images'
 * state (a 150-pixel centre square, JPEG quality 75) before the resize to the model's input. This
 * measures the model's val AUC with that JPEG step and without it (the same 150-pixel square,
 * resized straight on), and what the step costs, on the val images larger than the square (the
 * ISIC extra ones, 300x300; HAM10000's are 200x150). The test split is not read.
 *   npx tsx scripts/jpeg-step.ts [--model models/dermacam-mnv1-075] [--data-dir ../shared/data]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readVerifiedModel } from '../src/classifier/classifier.js';
import { normalise, preprocessImage } from '../src/classifier/preprocess.js';
import { isImageName } from '../src/images.js';
import { openNetwork } from '../src/classifier/openNetwork.js';
import { rocAuc } from '../src/metrics/auc.js';
import { listImageSet } from './lib/datasets.js';
import { quantile } from './lib/quantile.js';

const { values: args } = parseScriptArgs({ options: { model: { type: 'string', default: 'models/dermacam-mnv1-075' }, 'data-dir': { type: 'string', default: '../shared/data' } } });
const FIXTURES = path.join(args['data-dir']!, 'fixtures');
const { folder, card } = await readVerifiedModel(args.model!);
const { network, backend } = await openNetwork({ request: 'auto', modelDir: args.model!, folder, card, tf: async () => tf });
const { size } = card.input;
const { side, jpeg_quality: quality } = card.input.detail!;

/** The centre square at the training images' detail, as raw RGB. */
const square = (image: Buffer) => sharp(image).rotate().resize(side, side, { fit: 'cover', position: 'centre' }).removeAlpha().raw().toBuffer();
const toInput = async (pixels: Buffer | Uint8Array, raw: boolean) =>
  normalise(new Uint8Array(await (raw ? sharp(pixels, { raw: { width: side, height: side, channels: 3 } }) : sharp(pixels)).resize(size, size).raw().toBuffer()), card.input);
const variants = {
  'with the JPEG step': async (small: Buffer) => toInput(await sharp(small, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality }).toBuffer(), false),
  'without it': async (small: Buffer) => toInput(small, true),
};

for (const set of ['ham-val', 'isic-val'] as const) {
  // the app takes the JPEG step only for a picture larger than the square
  const images = [];
  for (const image of listImageSet(args['data-dir']!, set)) {
    const { width = 0, height = 0 } = await sharp(image.file).metadata();
    if (Math.min(width, height) > side) images.push(image);
  }
  if (images.length === 0) {
    console.log(`${set}: no image is larger than ${side} pixels, so the app never takes the JPEG step on it`);
    continue;
  }
  const truth = images.map((image) => image.label === 'malignant');
  for (const [name, prepare] of Object.entries(variants)) {
    const logits: number[] = [];
    const times: number[] = [];
    for (const image of images) {
      const small = await square(readFileSync(image.file));
      const started = performance.now();
      const input = await prepare(small);
      times.push(performance.now() - started);
      logits.push((await network.run([input], card.test_time_flips)).logits[0]![0]!);
    }
    console.log(`${set} (${images.length} images larger than ${side} pixels), ${name}: AUC ${rocAuc(truth, logits).toFixed(4)}; the step from the ${side}-pixel square to the input p50 ${quantile(times, 0.5).toFixed(2)} ms (${backend})`);
  }
}
// the camera-like case: the full-size fixtures against the HAM10000 versions of the same images
const fixtures = readdirSync(FIXTURES).filter(isImageName);
for (const [name, prepare] of Object.entries(variants)) {
  const gaps: number[] = [];
  for (const file of fixtures) {
    const full = (await network.run([await prepare(await square(readFileSync(path.join(FIXTURES, file))))], card.test_time_flips)).logits[0]![0]!;
    const ham = (await network.run([await preprocessImage(path.join(args['data-dir']!, 'ham10000', 'images', file), card.input)], card.test_time_flips)).logits[0]![0]!;
    gaps.push(Math.abs(full - ham));
  }
  console.log(`${fixtures.length} full-size fixtures against their HAM10000 versions, ${name}: mean |logit difference| ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(3)}, largest ${Math.max(...gaps).toFixed(3)}`);
}
network.dispose();
