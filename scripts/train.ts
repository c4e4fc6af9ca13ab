/**
 * Trains the dermacam classifier from ../shared (see docs/TRAINING.md):
 *   npm run train -- [--base <dir>] [--name <name>] [--folds 5] [--epochs 20] [--limit N]
 * Frozen MobileNet V1 features are cached on disk; the ablation table is measured on the HAM
 * val split; the chosen recipe is retrained, calibrated and thresholded on val, exported to
 * models/<name>/, and only then measured once on the HAM test split.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../src/classifier/backend.js';
import { CACHED_TAPS, FLIPS, type FeatureTap } from '../src/classifier/features.js';
import { MOBILENET_INPUT } from '../src/classifier/preprocess.js';
import { runAblation, prepareSets, type AblationStep, type Recipe } from './lib/ablation.js';
import { loadBaseModel } from './lib/base.js';
import { IMAGE_SETS, listImageSet, type ImageSet, type LabelledImage } from './lib/datasets.js';
import { extractMissingFeatures } from './lib/extract.js';
import { buildShippedModel, saveModelFolder } from './lib/exportModel.js';
import { predictLogits, trainHead } from './lib/head.js';
import { writeModelCard } from './lib/modelCardWriter.js';
import { evaluateShippedModel } from './lib/shippedEval.js';
import { concatMatrices, loadFeatureMatrix } from './lib/trainData.js';
import { writeTrainingReport } from './lib/trainingReport.js';
import { seededRandom } from '../src/metrics/bootstrap.js';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '../shared/data' },
    base: { type: 'string', default: '../shared/models/mobilenet_v1_0.75_224' },
    name: { type: 'string', default: 'dermacam-mnv1-075' },
    out: { type: 'string' },
    'cache-dir': { type: 'string', default: '.cache/features' },
    folds: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '20' },
    limit: { type: 'string' },
    threads: { type: 'string', default: '2' },
    seed: { type: 'string', default: '20261127' },
    log: { type: 'string' },
  },
});

const outDir = args.out ?? path.join('models', args.name!);
const logFile = args.log ?? path.join(outDir, 'training.log');
mkdirSync(outDir, { recursive: true });
const log = (line: string) => {
  console.log(line);
  appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
};
const seed = Number(args.seed);
const folds = Number(args.folds);
const epochs = Number(args.epochs);

setThreadsCount(Number(args.threads));
const backend = await selectBackend(tf, 'wasm');
log(`dermacam training: base ${args.base}, backend ${backend}, seed ${seed}`);

/** With --limit N, each set is cut to N images (half malignant where possible) for a quick run. */
function limited(images: LabelledImage[]): LabelledImage[] {
  if (!args.limit) return images;
  const n = Number(args.limit);
  const malignant = images.filter((image) => image.label === 'malignant').slice(0, Math.ceil(n / 2));
  const benign = images.filter((image) => image.label === 'benign').slice(0, n - malignant.length);
  return [...malignant, ...benign];
}
const images = Object.fromEntries(IMAGE_SETS.map((set) => [set, limited(listImageSet(args['data-dir']!, set))])) as Record<ImageSet, LabelledImage[]>;

const base = await loadBaseModel(tf, args.base!);
const jobs = FLIPS.flatMap((flip) => IMAGE_SETS.map((set) => ({ set, flip, images: images[set] })));
await extractMissingFeatures(tf, base.model, MOBILENET_INPUT, args['cache-dir']!, base.key, jobs, log);
const matrix = (set: ImageSet) => loadFeatureMatrix(args['cache-dir']!, base.key, set, images[set]);
const sets = {
  train: concatMatrices([matrix('ham-train'), matrix('isic-train')]),
  hamVal: matrix('ham-val'),
  isicVal: matrix('isic-val'),
  channels: (tap: FeatureTap) => (base.model.getLayer(tap.layer).outputShape as number[])[3]!,
};
log(`training rows ${sets.train.rows} (HAM ${images['ham-train'].length} + isic-extra ${images['isic-train'].length}), HAM val ${sets.hamVal.rows}, isic-extra val ${sets.isicVal.rows}`);

const GAP_13: FeatureTap[] = [{ layer: 'conv_pw_13_relu', pool: 'avg' }];
const MULTI_DEPTH: FeatureTap[] = [...CACHED_TAPS];
const start: Recipe = {
  taps: GAP_13,
  folds: 1,
  head: {
    hidden: 0, dropout: 0, flips: false, classWeight: false, labelSmoothing: 0, reduceLrOnPlateau: false,
    testTimeFlips: false, l2: 0, epochs, batchSize: 64, learningRate: 0.001, patience: 2, seed,
  },
};
const withHead = (change: Partial<Recipe['head']>) => (recipe: Recipe): Recipe => ({ ...recipe, head: { ...recipe.head, ...change } });
const steps: (AblationStep & { paper: boolean })[] = [
  { step: 'linear head on frozen features (GAP of conv_pw_13)', paper: true, change: (r) => r },
  { step: '+ 1024-unit hidden layer, dropout 0.5', paper: true, change: withHead({ hidden: 1024, dropout: 0.5 }) },
  { step: '+ flips (horizontal, vertical, both)', paper: true, change: withHead({ flips: true }) },
  { step: `+ ${folds}-fold cross-validation (lesion-disjoint folds)`, paper: true, change: (r) => ({ ...r, folds }) },
  { step: '+ reduce LR on plateau', paper: true, change: withHead({ reduceLrOnPlateau: true }) },
  { step: '+ class weighting (malignant by benign/malignant ratio)', paper: false, change: withHead({ classWeight: true }) },
  // 3840 inputs into 1024 units cost 4x the paper's head per step; 256 units keep the run within an hour on 2 cores
  {
    step: '+ multi-depth features (conv_pw_9 to 13 average pooled, 11 and 13 max pooled), 256 hidden units, lr 3e-4',
    paper: false,
    change: (r) => ({ ...r, taps: MULTI_DEPTH, head: { ...r.head, hidden: 256, learningRate: 0.0003 } }),
  },
  { step: '+ test-time flips (mean logit over 4 flips)', paper: false, change: withHead({ testTimeFlips: true }) },
  { step: '+ label smoothing 0.1', paper: false, change: withHead({ labelSmoothing: 0.1 }) },
];
const ablation = runAblation(start, steps, sets, log);

log('final model: chosen recipe on all training rows, early stopping on HAM val');
const chosen = ablation.best;
const data = prepareSets(sets, chosen.taps);
const head = trainHead(data.train, data.hamVal, chosen.head, log);
const valLogits = predictLogits(head.model, data.hamVal, chosen.head.testTimeFlips);

const shipped = buildShippedModel(tf, base.model, chosen.taps, data.standardisation, head.model);
const saved = await saveModelFolder(shipped, outDir, 'float16');
log(`saved ${outDir} (${(saved.bytes / 1e6).toFixed(2)} MB of float16 weights)`);

const cardBase = {
  name: args.name!, base: args.base!, taps: chosen.taps, testTimeFlips: chosen.head.testTimeFlips ? [...FLIPS] : ['none' as const],
  weights: saved, seed, recipe: chosen, images,
};
const evaluation = await evaluateShippedModel({
  tf, modelDir: outDir, card: cardBase, valImages: images['ham-val'], testImages: images['ham-test'],
  headValLogits: valLogits, random: seededRandom(seed), log,
});
writeModelCard(outDir, cardBase, evaluation);
writeTrainingReport(path.join(outDir, 'training-report.md'), { rows: ablation.rows, recipe: chosen, evaluation, command: process.argv.slice(2).join(' ') });
writeFileSync(path.join(outDir, 'training-report.json'), JSON.stringify({ ablation: ablation.rows, recipe: chosen, evaluation }, null, 2));
log(`done: ${outDir}`);
