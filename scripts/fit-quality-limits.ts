/**
 * Fits the quality gate's damage limits (colour cast, noise, blank rows, covered centre) on the
 * val images (HAM10000 val + ISIC extra val, never test) with the app's own measures and writes them into model cards, with the gate's pass
 * rates; the limits read off the training images by the run that made each model are kept.
 *   npx tsx scripts/fit-quality-limits.ts [--data-dir ../shared/data] [<model dir>...]
 * (default: both shipped models; `npm run train` fits the same limits for a new model)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CARD_FILE, readModelCard } from '../src/classifier/modelCard.js';
import { listImageSet } from './lib/datasets.js';
import { fitDamageLimits, measureImages, passRate, QUALITY_RULE } from './lib/qualityLimits.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string', default: '../shared/data' } },
});
const modelDirs = positionals.length > 0 ? positionals : ['models/dermacam-mnv1-075', 'models/dermacam-mnv1-025'];
const set = (name: Parameters<typeof listImageSet>[1]) => listImageSet(args['data-dir']!, name);

const hamVal = await measureImages(set('ham-val'), 'quality of HAM val images');
const val = [...hamVal, ...(await measureImages(set('isic-val'), 'quality of ISIC val images'))];
const damageLimits = fitDamageLimits(val);
const train = await measureImages([...set('ham-train'), ...set('isic-train')], 'quality of training images');

for (const dir of modelDirs) {
  await readModelCard(dir); // refuses a card this app cannot read before it is rewritten
  const file = path.join(dir, CARD_FILE);
  const card = JSON.parse(await readFile(file, 'utf8'));
  card.quality_limits = { ...card.quality_limits, ...damageLimits, rule: QUALITY_RULE };
  card.metrics.quality_gate = {
    train_pass_rate: passRate(train, card.quality_limits),
    val_pass_rate: passRate(val, card.quality_limits),
    ham_val_pass_rate: passRate(hamVal, card.quality_limits),
  };
  await writeFile(file, `${JSON.stringify(card, null, 2)}\n`);
  console.log(`${file}: ${JSON.stringify(card.quality_limits)}; pass rates ${JSON.stringify(card.metrics.quality_gate)}`);
}
