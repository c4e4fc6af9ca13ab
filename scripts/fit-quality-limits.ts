/**
 * Fits the quality gate's limits again for finished models, as `npm run train` fits them for a new one
 * (`fitQualityLimits`: the training images for the picture's own measures, the val images for the signs of
 * damage; never the test split), with the app's measures of today, and writes them into the model cards with
 * the gate's pass rates. For when the gate's measures change and the models do not.
 *   npx tsx scripts/fit-quality-limits.ts [--data-dir ../shared/data] [<model dir>...]
 * (default: both shipped models)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import { CARD_FILE, readModelCard } from '../src/classifier/modelCard.js';
import type { InputSpec } from '../src/classifier/preprocess.js';
import { listImageSet } from './lib/datasets.js';
import { fitQualityLimits, measureImages, passRate } from './lib/qualityLimits.js';

const { values: args, positionals } = parseScriptArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string', default: '../shared/data' } },
});
const modelDirs = positionals.length > 0 ? positionals : ['models/dermacam-mnv1-075', 'models/dermacam-mnv1-025'];
const set = (name: Parameters<typeof listImageSet>[1]) => listImageSet(args['data-dir']!, name);

/** The measures depend only on the input spec, which models may share: each spec is measured once. */
const measured = new Map<string, ReturnType<typeof measureAll>>();
async function measureAll(spec: InputSpec) {
  const hamVal = await measureImages(set('ham-val'), spec, 'quality of HAM val images');
  const val = [...hamVal, ...(await measureImages(set('isic-val'), spec, 'quality of ISIC val images'))];
  const train = await measureImages([...set('ham-train'), ...set('isic-train')], spec, 'quality of training images');
  return { hamVal, val, train };
}

for (const dir of modelDirs) {
  const { input } = await readModelCard(dir); // also refuses a card this app cannot read before it is rewritten
  const key = JSON.stringify(input);
  if (!measured.has(key)) measured.set(key, measureAll(input));
  const { hamVal, val, train } = await measured.get(key)!;
  const file = path.join(dir, CARD_FILE);
  const card = JSON.parse(await readFile(file, 'utf8'));
  card.quality_limits = fitQualityLimits(train, val);
  card.metrics.quality_gate = {
    train_pass_rate: passRate(train, card.quality_limits),
    val_pass_rate: passRate(val, card.quality_limits),
    ham_val_pass_rate: passRate(hamVal, card.quality_limits),
  };
  await writeFile(file, `${JSON.stringify(card, null, 2)}\n`);
  console.log(`${file}: ${JSON.stringify(card.quality_limits)}; pass rates ${JSON.stringify(card.metrics.quality_gate)}`);
}
