/**
 * Writes a reproducible set of damaged and covered pictures made from HAM10000 val images (never
 * test images), one folder per kind, for measuring what the app refuses (scripts/refusal-rates.ts).
 *   npx tsx scripts/corruption-set.ts [--data-dir ../shared/data] [--out .cache/corruptions] [--per-kind 40] [--seed 9]
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { CORRUPTIONS } from './lib/corruptions.js';
import { listImageSet } from './lib/datasets.js';

const { values: args } = parseScriptArgs({
  options: {
    'data-dir': { type: 'string', default: '../shared/data' },
    out: { type: 'string', default: '.cache/corruptions' },
    'per-kind': { type: 'string', default: '40' },
    seed: { type: 'string', default: '9' },
  },
});
const seed = Number(args.seed);
const perKind = Number(args['per-kind']);

// the same val images for every kind, so that kinds differ only in the damage
const shuffle = seededRandom(seed);
const images = listImageSet(args['data-dir']!, 'ham-val')
  .map((image) => ({ image, key: shuffle() }))
  .sort((a, b) => a.key - b.key)
  .slice(0, perKind)
  .map(({ image }) => image);

for (const [index, [kind, corrupt]] of Object.entries(CORRUPTIONS).entries()) {
  const folder = path.join(args.out!, kind);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const random = seededRandom(seed * 100 + index);
  for (const image of images) {
    const { bytes, ext } = await corrupt(await readFile(image.file), random);
    await writeFile(path.join(folder, `${image.id}.${ext}`), bytes);
  }
  console.log(`${folder}: ${images.length} pictures`);
}
