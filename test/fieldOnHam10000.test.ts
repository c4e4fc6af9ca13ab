import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { measureQuality } from '../src/classifier/preprocess.js';
import { judgeQuality } from '../src/quality/gate.js';
import type { QualityMeasures } from '../src/quality/measure.js';
import { REPO, SHARED_DATA, SHIPPED_MODEL } from './helpers/paths.js';

const HAM10000 = path.join(SHARED_DATA, 'ham10000');
const card = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
/** 40 val pictures spread over the split: every 33rd in split.csv's order. */
const pictures = (parse(readFileSync(path.join(HAM10000, 'split.csv'), 'utf8'), { columns: true }) as Record<string, string>[])
  .filter((row) => row.split === 'val')
  .filter((_, i) => i % 33 === 0)
  .slice(0, 40)
  .map((row) => path.join(HAM10000, 'images', `${row.image_id}.jpg`));
/** The gate's measures of these pictures before it measured the field of view (commit 8120339), for the pictures without a dark border. */
const before = JSON.parse(readFileSync(path.join(REPO, 'test', 'golden', 'ham10000-val-measures.json'), 'utf8')) as Record<string, Omit<QualityMeasures, 'fieldArea'>>;

/** The reasons a dark frame alone could give, were the gate to measure it: none of them may appear when it is painted on. */
const FRAME_REASONS = [
  'too dark',
  'too blurred',
  'too bright or washed out',
  'something covers the centre, or it is smeared',
  'too noisy',
  'part of the picture is blank or missing',
  'the field of view is too small (a dark frame covers most of the picture)',
];

/** The picture as a PNG with everything outside the circle of `radius` times half its shorter side, around its centre, painted black. */
async function inBlackCircle(file: string, radius: number): Promise<Buffer> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const r = (radius * Math.min(info.width, info.height)) / 2;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (Math.hypot(x + 0.5 - info.width / 2, y + 0.5 - info.height / 2) > r) data.fill(0, (y * info.width + x) * 3, (y * info.width + x) * 3 + 3);
    }
  }
  return sharp(data, { raw: info }).png().toBuffer();
}

describe('the quality gate on HAM10000 pictures in a dark frame', () => {
  it('passes in a black circle (or with black corners) at least 90% of the pictures it passes without', async () => {
    const verdict = async (image: string | Buffer) => judgeQuality(await measureQuality(image, card.input), card.quality_limits);
    const passing = [];
    for (const file of pictures) if ((await verdict(file)).ok) passing.push(file);
    expect(passing.length).toBeGreaterThanOrEqual(36);
    for (const [frame, radius] of [['circle', 0.9], ['corners', 1.2]] as const) {
      const refused = [];
      for (const file of passing) {
        const { ok, reasons } = await verdict(await inBlackCircle(file, radius));
        if (!ok) refused.push(file);
        expect(reasons.filter((reason) => FRAME_REASONS.includes(reason)), `${frame}: ${path.basename(file)}`).toEqual([]);
      }
      expect(refused.length / passing.length, frame).toBeLessThanOrEqual(0.1);
    }
  });

  it('measures the pictures without a dark border as it did before it looked for a frame', async () => {
    let unframed = 0;
    for (const file of pictures) {
      const { fieldArea, ...measures } = await measureQuality(file, card.input);
      if (fieldArea < 1) continue;
      unframed++;
      const old = before[path.basename(file, '.jpg')]!;
      for (const [key, value] of Object.entries(old)) expect(measures[key as keyof typeof old], `${path.basename(file)} ${key}`).toBeCloseTo(value, 9);
    }
    expect(unframed).toBeGreaterThanOrEqual(35);
  });
});
