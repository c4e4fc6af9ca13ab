import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lumaAndLab, lumaOf } from '../src/quality/colour.js';
import { seededRandom } from '../src/metrics/bootstrap.js';

describe("the gate's luma", () => {
  const random = seededRandom(11);
  const rgb = Uint8Array.from({ length: 64 * 64 * 3 }, () => Math.floor(random() * 256));

  it('is the same alone as beside CIELAB', () => {
    expect(lumaOf(rgb)).toEqual(lumaAndLab(rgb).luma);
  });

  it("is libvips's grayscale within half a level on average", async () => {
    const libvips = await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } }).grayscale().raw().toBuffer();
    const luma = lumaOf(rgb);
    const meanDifference = luma.reduce((sum, v, i) => sum + Math.abs(v - libvips[i]!), 0) / luma.length;
    expect(meanDifference).toBeLessThan(0.5);
  });
});
