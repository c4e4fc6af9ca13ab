import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { judgeQuality } from '../src/quality/gate.js';
import { measureQuality } from '../src/classifier/preprocess.js';
import { FIXTURES, SHIPPED_MODEL } from './helpers/paths.js';

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).map((name) => readFileSync(path.join(FIXTURES, name)));
const card = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
const reasons = async (image: Buffer) => judgeQuality(await measureQuality(image, card.input), card.quality_limits).reasons;
const castBy = (gains: [number, number, number]) => (image: Buffer) => sharp(image).linear(gains, [0, 0, 0]).jpeg({ quality: 90 }).toBuffer();

/**
 * A fixture with bits flipped at random until libvips decodes it leniently (as the app did before)
 * while reporting corrupt data; flips that libvips cannot notice are left to the other checks.
 */
async function bitFlipped(image: Buffer, random: () => number): Promise<Buffer> {
  for (;;) {
    const flipped = Buffer.from(image);
    for (let k = 0; k < 8; k++) flipped[Math.floor(random() * flipped.length)]! ^= 1 << Math.floor(random() * 8);
    try {
      await sharp(flipped, { failOn: 'error' }).raw().toBuffer();
    } catch {
      continue; // undecodable even leniently
    }
    if (!(await sharp(flipped, { failOn: 'warning' }).raw().toBuffer().then(() => true, () => false))) return flipped;
  }
}

describe('pictures the model cannot judge', () => {
  it('refuses green and blue casts of the fixtures', async () => {
    for (const [name, gains] of [['green', [0.7, 1.15, 0.8]], ['blue', [0.7, 0.9, 1.35]]] as const) {
      for (const image of fixtures) expect(await reasons(await castBy([...gains])(image)), name).toContain('colour cast (light or white balance)');
    }
  });

  it('refuses a fixture cut short and decoded leniently, with a blank band where the data ran out', async () => {
    for (const image of fixtures) {
      const partial = await sharp(image.subarray(0, Math.floor(image.length * 0.6)), { failOn: 'none' }).png().toBuffer();
      expect(await reasons(partial)).toContain('part of the picture is blank or missing');
    }
  });

  it('does not take a flat coloured band at the edge, such as a ruler, for missing data', async () => {
    for (const image of fixtures) {
      const { width = 0, height = 0 } = await sharp(image).metadata();
      const band = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="${0.9 * height}" width="${width}" height="${0.1 * height}" fill="#e6e2d6"/></svg>`);
      const ruled = await sharp(image).composite([{ input: band }]).png().toBuffer();
      expect(await reasons(ruled)).not.toContain('part of the picture is blank or missing');
    }
  });

  it('refuses heavy noise at the training images\' size', async () => {
    const random = seededRandom(5);
    for (const image of fixtures) {
      // shrinking a larger picture averages its noise away, for the model too
      const { data, info } = await sharp(image).resize(200, 150).raw().toBuffer({ resolveWithObject: true });
      const noisy = Buffer.from(data.map((v) => Math.max(0, Math.min(255, v + Math.round((random() - 0.5) * 200)))));
      expect(await reasons(await sharp(noisy, { raw: info }).png().toBuffer())).toContain('too noisy');
    }
  });

  it('refuses bit-flipped JPEGs that still decode with a warning, in one sentence', async () => {
    const random = seededRandom(11);
    for (const image of fixtures) {
      const flipped = await bitFlipped(image, random);
      await expect(preprocessImage(flipped, card.input)).rejects.toThrow(/^the image file is truncated or corrupt\.$/);
    }
  });
});
