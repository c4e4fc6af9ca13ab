/**
 * How often the shipped model refuses: for each folder of pictures named on the command line
 * (photos that are not skin lesions) and for the HAM10000 test split (lesions), the share
 * rejected as "not a lesion", rejected by the quality gate, and answered "uncertain".
 *   npx tsx scripts/refusal-rates.ts [--model <dir>] [--data-dir ../shared/data] <folder>...
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../src/classifier/classifier.js';
import { DEFAULT_MODEL_DIR } from '../src/commands/io.js';
import { listImageSet } from './lib/datasets.js';
import { imageFilesIn, tallyRefusals } from './lib/nonLesion.js';

const { values: args, positionals: folders } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string', default: DEFAULT_MODEL_DIR }, 'data-dir': { type: 'string', default: '../shared/data' } },
});
tf.enableProdMode();
const classifier = await loadClassifier({ tf, modelDir: args.model!, backend: 'wasm' });

async function rates(name: string, files: string[]): Promise<void> {
  const tally = await tallyRefusals(classifier, files);
  const percent = (count: number) => `${((100 * count) / tally.images).toFixed(1)}%`;
  console.log(
    `| ${name} | ${tally.images} | ${percent(tally.notALesion + tally.qualityOnly)} | ${percent(tally.notALesion)} | ${percent(tally.qualityOnly)} | ${percent(tally.uncertain)} | ${tally.unreadable} |`,
  );
}

console.log(`model ${classifier.modelId}, backend ${classifier.backend}`);
console.log('| pictures | classified | rejected | as not a lesion | by the quality gate only | uncertain | unreadable |');
console.log('|---|---|---|---|---|---|---|');
for (const folder of folders) {
  await rates(path.basename(folder), await imageFilesIn([folder]));
}
await rates('HAM10000 test split (lesions)', listImageSet(args['data-dir']!, 'ham-test').map((image) => image.file));
