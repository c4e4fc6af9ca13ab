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
import { NOT_A_LESION } from '../src/classifier/decision.js';
import { UserError } from '../src/errors.js';
import { expandImageInputs } from '../src/commands/imageFiles.js';
import { DEFAULT_MODEL_DIR } from '../src/commands/io.js';
import { listImageSet } from './lib/datasets.js';

const { values: args, positionals: folders } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string', default: DEFAULT_MODEL_DIR }, 'data-dir': { type: 'string', default: '../shared/data' } },
});
tf.enableProdMode();
const classifier = await loadClassifier({ tf, modelDir: args.model!, backend: 'wasm' });

async function rates(name: string, files: string[]): Promise<void> {
  const tally = { images: 0, unreadable: 0, notALesion: 0, qualityOnly: 0, uncertain: 0 };
  for (const file of files) {
    try {
      const { label, quality } = await classifier.classifyFile(file);
      tally.images++;
      if (quality.reasons.includes(NOT_A_LESION)) tally.notALesion++;
      else if (label === 'rejected') tally.qualityOnly++;
      else if (label === 'uncertain') tally.uncertain++;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      tally.unreadable++;
    }
  }
  const percent = (count: number) => `${((100 * count) / tally.images).toFixed(1)}%`;
  const rejected = tally.notALesion + tally.qualityOnly;
  console.log(
    `| ${name} | ${tally.images} | ${percent(rejected)} | ${percent(tally.notALesion)} | ${percent(tally.qualityOnly)} | ${percent(tally.uncertain)} | ${tally.unreadable} |`,
  );
}

console.log(`model ${classifier.modelId}, backend ${classifier.backend}`);
console.log('| pictures | classified | rejected | as not a lesion | by the quality gate only | uncertain | unreadable |');
console.log('|---|---|---|---|---|---|---|');
for (const folder of folders) {
  const files = (await expandImageInputs([folder])).flatMap((input) => ('error' in input ? [] : [input.file]));
  await rates(path.basename(folder), files);
}
await rates('HAM10000 test split (lesions)', listImageSet(args['data-dir']!, 'ham-test').map((image) => image.file));
