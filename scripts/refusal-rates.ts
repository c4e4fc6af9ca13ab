/**
 * How often the shipped model refuses: for each folder of pictures named on the command line
 * (photos that are not skin lesions, or damaged lesion pictures from scripts/corruption-set.ts)
 * and for the HAM10000 test split (lesions), how many are refused as unreadable, rejected (as
 * "not a lesion" or by the quality gate), answered "uncertain", and answered benign or malignant.
 *   npx tsx scripts/refusal-rates.ts [--model <dir>] [--data-dir ../shared/data] <folder>...
 */
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../src/classifier/classifier.js';
import { DEFAULT_MODEL_DIR } from '../src/commands/io.js';
import { listImageSet } from './lib/datasets.js';
import { imageFilesIn, tallyRefusals } from './lib/nonLesion.js';

const { values: args, positionals: folders } = parseScriptArgs({
  allowPositionals: true,
  options: { model: { type: 'string', default: DEFAULT_MODEL_DIR }, 'data-dir': { type: 'string', default: '../shared/data' } },
});
tf.enableProdMode();
const classifier = await loadClassifier({ tf: async () => tf, modelDir: args.model!, backend: 'wasm' });

async function rates(name: string, files: string[]): Promise<void> {
  const tally = await tallyRefusals(classifier, files);
  const n = tally.images + tally.unreadable;
  const rejected = tally.notALesion + tally.qualityOnly;
  const answered = tally.images - rejected - tally.uncertain;
  const cell = (count: number) => `${count} (${((100 * count) / n).toFixed(1)}%)`;
  const reasons = Object.entries(tally.reasons).sort(([, a], [, b]) => b - a).map(([reason, count]) => `${reason} ${count}`).join('; ');
  console.log(`| ${name} | ${n} | ${cell(tally.unreadable)} | ${cell(rejected)} | ${cell(tally.notALesion)} | ${cell(tally.uncertain)} | ${cell(answered)} | ${reasons} |`);
}

console.log(`model ${classifier.modelId}, backend ${classifier.backend}`);
console.log('| pictures | n | unreadable | rejected | of which "not a lesion" | uncertain | answered | reasons given |');
console.log('|---|---|---|---|---|---|---|---|');
for (const folder of folders) {
  await rates(path.basename(folder), await imageFilesIn([folder]));
}
await rates('HAM10000 test split (lesions)', listImageSet(args['data-dir']!, 'ham-test').map((image) => image.file));
