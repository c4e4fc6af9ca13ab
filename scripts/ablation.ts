/**
 * The ablation: the fine-tuning step under one change at a time, at a short, equal budget,
 * measured on HAM10000 val and isic-extra val only (never the test split):
 *   npx tsx scripts/ablation.ts [--alpha 0.25] [--epochs 3] [--rows frozen,last4,...] [--teacher dermacam-mnv1-075]
 * Each row is a resumable run under .cache/runs/; the table goes to stdout and to
 * .cache/runs/ablation-<alpha>-e<epochs>.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HAM10000_DETAIL } from '../src/classifier/preprocess.js';
import { listImageSet, type ImageSet } from './lib/datasets.js';
import { readFineTuneExport } from './lib/fineTunedModel.js';
import { checkTrainingPython, fineTune, type FineTuneOptions } from './lib/finetuneRun.js';
import { SHARED_TRAINING_OPTIONS } from './lib/trainingOptions.js';
import { writePixelCache } from './lib/pixelCache.js';

const { values: args } = parseArgs({
  options: {
    alpha: { type: 'string', default: '0.25' },
    epochs: { type: 'string', default: '3' },
    rows: { type: 'string', default: 'frozen,last4,all-flips,all-camera,all-camera-distilled,all-camera-224' },
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
};

checkTrainingPython();
const sets: ImageSet[] = ['ham-train', 'isic-train', 'ham-val', 'isic-val'];
const images = Object.fromEntries(sets.map((set) => [set, listImageSet(args['data-dir']!, set)]));
const baseDir = path.join(args['models-dir']!, `mobilenet_v1_${args.alpha}_224`);
const f = (x: number) => x.toFixed(4);
const lines = [
  `Ablation on alpha ${args.alpha}, ${args.epochs} epochs per row (cosine schedule over the row's epochs), seed ${args.seed}; AUC without test-time flips, best epoch of raw or EMA weights.`,
  '',
  '| step | input | HAM val AUC | isic-extra val AUC | best epoch (weights) | HAM val AUC, 2 / 4 test-time flips | minutes |',
  '|---|---|---|---|---|---|---|',
];
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
  const { summary } = readFineTuneExport(runDir);
  const minutes = summary.history.reduce((sum, h) => sum + h.train_s!, 0) / 60;
  const flips = summary.test_time_flips;
  lines.push(
    `| ${row.step} | ${row.size} | ${f(summary.best.ham_val_auc)} | ${f(summary.best.isic_val_auc)} | ${summary.best.epoch + 1} (${summary.best.weights}) | ${f(flips['2']!.ham_val_auc)} / ${f(flips['4']!.ham_val_auc)} | ${minutes.toFixed(1)} |`,
  );
  console.log(lines.at(-1));
}
const table = lines.join('\n');
writeFileSync(path.join(args['runs-dir']!, `ablation-${args.alpha}-e${args.epochs}.md`), `${table}\n`);
console.log(table);
