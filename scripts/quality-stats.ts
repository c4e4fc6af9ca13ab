/**
 * Measures every image of ../shared/data with the quality gate's measures and prints their
 * percentiles (the data the limits in src/quality/gate.ts were read from), then how many images
 * of each set pass the gate, and why the others fail.
 *   tsx scripts/quality-stats.ts [--data-dir ../shared/data]
 */
import { parseArgs } from 'node:util';
import { judgeQuality } from '../src/quality/gate.js';
import { measureQuality, type QualityMeasures } from '../src/quality/measure.js';
import { IMAGE_SETS, listImageSet } from './lib/datasets.js';
import { createProgress } from './lib/progress.js';

const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string', default: '../shared/data' } } });
const images = IMAGE_SETS.flatMap((set) => listImageSet(args['data-dir']!, set).map((image) => ({ ...image, set })));
const progress = createProgress('quality measures', images.length);
const all: QualityMeasures[] = [];
for (let i = 0; i < images.length; i += 16) {
  all.push(...(await Promise.all(images.slice(i, i + 16).map((image) => measureQuality(image.file)))));
  progress.tick(Math.min(16, images.length - i));
}
progress.finish();
const quantiles = [0.001, 0.005, 0.01, 0.05, 0.5, 0.95, 0.99, 0.995, 0.999];
console.log(`measure | ${quantiles.map((q) => `q${q}`).join(' | ')}`);
for (const key of Object.keys(all[0]!) as (keyof QualityMeasures)[]) {
  const sorted = all.map((m) => m[key]).sort((a, b) => a - b);
  console.log(`${key} | ${quantiles.map((q) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(4)).join(' | ')}`);
}

console.log('\nset | images | pass | failures by reason');
for (const set of IMAGE_SETS) {
  const verdicts = images.flatMap((image, i) => (image.set === set ? [judgeQuality(all[i]!)] : []));
  const reasons = new Map<string, number>();
  for (const reason of verdicts.flatMap((verdict) => verdict.reasons)) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  const passed = verdicts.filter((verdict) => verdict.ok).length;
  console.log(`${set} | ${verdicts.length} | ${((100 * passed) / verdicts.length).toFixed(2)}% | ${[...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
}
