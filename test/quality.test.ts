import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { judgeQuality } from '../src/quality/gate.js';
import { measureQuality } from '../src/classifier/preprocess.js';
import { FIXTURES, SHIPPED_MODEL } from './helpers/paths.js';
import { readFileSync, readdirSync } from 'node:fs';

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).map((name) => path.join(FIXTURES, name));
// the limits that the shipped model's training run read off the training images
const { quality_limits: limits, input } = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
const verdict = async (image: string | Buffer) => judgeQuality(await measureQuality(image, input), limits);

describe('quality gate', () => {
  it('passes the full-size fixtures', async () => {
    for (const file of fixtures) expect(await verdict(file), file).toEqual({ ok: true, reasons: [] });
  });

  it('fails degraded copies it makes itself: blurred, darkened, washed out', async () => {
    const failed = { blur: 0, dark: 0, bright: 0 };
    for (const file of fixtures) {
      const image = readFileSync(file);
      const blurred = await sharp(image).blur(8).jpeg().toBuffer();
      const darkened = await sharp(image).linear(0.15, 0).jpeg().toBuffer();
      const washedOut = await sharp(image).linear(0.3, 200).jpeg().toBuffer();
      if ((await verdict(blurred)).reasons.includes('too blurred')) failed.blur++;
      if ((await verdict(darkened)).reasons.includes('too dark')) failed.dark++;
      if ((await verdict(washedOut)).reasons.includes('too bright or washed out')) failed.bright++;
    }
    expect(failed).toEqual({ blur: fixtures.length, dark: fixtures.length, bright: fixtures.length });
  });

  it('finds no lesion in a plain skin-coloured picture', async () => {
    const plain = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d8a88c' } }).jpeg().toBuffer();
    expect((await verdict(plain)).ok).toBe(false);
  });
});
