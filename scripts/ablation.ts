/**
 * The ablation: the fine-tuning step under one change at a time, at a short, equal budget,
 * measured on HAM10000 val and isic-extra val only (never the test split):
 *   npx tsx scripts/ablation.ts [--alpha 0.25] [--epochs 3] [--rows frozen,last4,...] [--teacher dermacam-mnv1-075]
 * Each row is a resumable run under .cache/runs/; the table goes to stdout and to
 * .cache/runs/ablation-<alpha>-e<epochs>.md. Each row's kept weights also go through the
 * shortcut and robustness suite (scripts/lib/robustness.ts) on a seeded sample of both val sets,
 * as raw logits: a row must improve val both clean and transformed to be kept.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import { activateTfjsBackend } from '../src/classifier/backend.js';
import { sigmoid } from '../src/classifier/decision.js';
import { HAM10000_DETAIL, preprocessImage, type InputSpec } from '../src/classifier/preprocess.js';
import { listImageSet, type ImageSet } from './lib/datasets.js';
import { buildFineTunedModel, readFineTuneExport } from './lib/fineTunedModel.js';
import { TRANSFORMS } from './lib/lesionTransforms.js';
import { runRobustness, type Judge, type RobustnessReport } from './lib/robustness.js';
import { limitedSample } from './lib/sample.js';
import { checkTrainingPython, fineTune, type FineTuneOptions } from './lib/finetuneRun.js';
import { SHARED_TRAINING_OPTIONS } from './lib/trainingOptions.js';
import { writePixelCache } from './lib/pixelCache.js';

const { values: args } = parseScriptArgs({
  options: {
    alpha: { type: 'string', default: '0.25' },
    epochs: { type: 'string', default: '3' },
    rows: { type: 'string', default: 'all-camera,all-camera-crops,all-camera-artefacts,all-lesion' },
    /** Images per val set (half malignant) that the robustness suite looks at for each row. */
    'robustness-images': { type: 'string', default: '150' },
    teacher: { type: 'string', default: 'dermacam-mnv1-075' },
    ...SHARED_TRAINING_OPTIONS,
  },
});

interface Row {
  step: string;
  size: number;
  mode: FineTuneOptions['mode'];
  augment: FineTuneOptions['augment'];
  distilled: boolean;
}
const ROWS: Record<string, Row> = {
  frozen: { step: 'frozen base, head trained (flips)', size: 160, mode: 'frozen', augment: 'flips', distilled: false },
  last4: { step: 'last 4 blocks fine-tuned (flips)', size: 160, mode: 'last4', augment: 'flips', distilled: false },
  'all-flips': { step: 'all layers fine-tuned (flips)', size: 160, mode: 'all', augment: 'flips', distilled: false },
  'all-camera': { step: 'all layers + camera augmentation', size: 160, mode: 'all', augment: 'camera', distilled: false },
  'all-camera-distilled': { step: 'all layers + camera augmentation, distilled from alpha 0.75', size: 160, mode: 'all', augment: 'camera', distilled: true },
  'all-camera-192': { step: 'all layers + camera augmentation, input 192', size: 192, mode: 'all', augment: 'camera', distilled: false },
  'all-camera-224': { step: 'all layers + camera augmentation, input 224', size: 224, mode: 'all', augment: 'camera', distilled: false },
  'all-camera-crops': { step: 'all layers + camera augmentation, wide crops (area 0.5-1, aspect 3:4-4:3)', size: 160, mode: 'all', augment: 'camera-crops', distilled: false },
  'all-camera-artefacts': { step: 'all layers + camera augmentation, artefacts (fields, vignette, ruler, ink, patch)', size: 160, mode: 'all', augment: 'camera-artefacts', distilled: false },
  'all-lesion': { step: 'all layers + camera augmentation, wide crops and artefacts (v3)', size: 160, mode: 'all', augment: 'lesion', distilled: false },
};

/** The row's kept weights as a judge of pictures: p = sigmoid(raw logit), no refusals. */
async function rowJudge(model: tf.LayersModel, input: InputSpec): Promise<Judge> {
  return async (picture) => {
    const pixels = await preprocessImage(picture, input);
    const logit = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [1, input.size, input.size, 3])) as tf.Tensor).dataSync()[0]!);
    return { p: sigmoid(logit), refused: false, notALesion: false };
  };
}

/** The suite in a few numbers per val set: the mean AUC over the transforms, the largest AUC drop, and the largest benign logit shift under frames and markings. */
function suiteSummary(report: RobustnessReport, set: string): string {
  const rows = report.rows.filter((row) => row.set === set);
  const clean = rows.find((row) => row.group === 'clean')!;
  const transformed = rows.filter((row) => row.group !== 'clean');
  const meanAuc = transformed.reduce((sum, row) => sum + row.auc, 0) / transformed.length;
  const worstDrop = Math.max(...transformed.map((row) => clean.auc - row.auc));
  const worstShift = Math.max(...transformed.filter((row) => row.meets.benign_logit !== null).map((row) => Math.abs(row.median_logit_change_benign)));
  return `${meanAuc.toFixed(4)} / ${worstDrop.toFixed(3)} / ${worstShift.toFixed(2)}`;
}

checkTrainingPython();
const sets: ImageSet[] = ['ham-train', 'isic-train', 'ham-val', 'isic-val'];
const images = Object.fromEntries(sets.map((set) => [set, listImageSet(args['data-dir']!, set)]));
const baseDir = path.join(args['models-dir']!, `mobilenet_v1_${args.alpha}_224`);
const f = (x: number) => x.toFixed(4);
const lines = [
  `Ablation on alpha ${args.alpha}, ${args.epochs} epochs per row (cosine schedule over the row's epochs), seed ${args.seed}; AUC without test-time flips, best epoch of raw or EMA weights.`,
  '',
  `The suite's columns: on ${args['robustness-images']} images of each val set (seeded, half malignant), the mean AUC over its ${TRANSFORMS.length} transforms / the largest AUC drop from clean / the largest |median change of the benign logit| under frames and markings (raw logits).`,
  '',
  '| step | input | HAM val AUC | isic-extra val AUC | best epoch (weights) | HAM val AUC, 2 / 4 test-time flips | suite on HAM val | suite on isic-extra val | minutes |',
  '|---|---|---|---|---|---|---|---|---|',
];
await activateTfjsBackend(tf, 'wasm');
const suiteSets = (['ham-val', 'isic-val'] as const).map((set) => ({ name: set, images: limitedSample(images[set]!, Number(args['robustness-images']), Number(args.seed)) }));
for (const key of args.rows!.split(',')) {
  const row = ROWS[key];
  if (!row) throw new Error(`Unknown ablation row ${key}; rows: ${Object.keys(ROWS).join(', ')}.`);
  const cacheDir = await writePixelCache(args['cache-dir']!, { size: row.size, detail: HAM10000_DETAIL, normalisation: 'mobilenet' }, images, console.log);
  const runDir = path.join(args['runs-dir']!, `ablation-${args.alpha}-${key}-e${args.epochs}`);
  const options: FineTuneOptions = {
    cacheDir, baseDir, runDir, epochs: Number(args.epochs), mode: row.mode, augment: row.augment, seed: Number(args.seed), threads: Number(args.threads),
    teacherRunDir: row.distilled ? path.join(args['runs-dir']!, args.teacher!) : undefined,
  };
  await fineTune(options, (line) => console.log(line));
  const { summary, weights } = readFineTuneExport(runDir);
  const minutes = summary.history.reduce((sum, h) => sum + h.train_s!, 0) / 60;
  const flips = summary.test_time_flips;
  const input: InputSpec = { size: row.size, detail: HAM10000_DETAIL, normalisation: 'mobilenet' };
  const model = await buildFineTunedModel(tf, baseDir, summary, weights);
  const suite = await runRobustness(await rowJudge(model, input), 0.5, suiteSets, TRANSFORMS, Number(args.seed));
  model.dispose();
  writeFileSync(path.join(runDir, 'robustness.json'), JSON.stringify(suite));
  lines.push(
    `| ${row.step} | ${row.size} | ${f(summary.best.ham_val_auc)} | ${f(summary.best.isic_val_auc)} | ${summary.best.epoch + 1} (${summary.best.weights}) | ${f(flips['2']!.ham_val_auc)} / ${f(flips['4']!.ham_val_auc)} | ${suiteSummary(suite, 'ham-val')} | ${suiteSummary(suite, 'isic-val')} | ${minutes.toFixed(1)} |`,
  );
  console.log(lines.at(-1));
}
const table = lines.join('\n');
writeFileSync(path.join(args['runs-dir']!, `ablation-${args.alpha}-e${args.epochs}.md`), `${table}\n`);
console.log(table);
