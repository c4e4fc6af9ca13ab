import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { enlargeSquare } from '../src/resample/enlarge.js';
import { differingValues, fixtureSquare, SOME_FIXTURES as fixtures } from './helpers/squares.js';

const enlargedBySharp = async (data: Uint8Array, from: number, to: number) =>
  new Uint8Array(await sharp(data, { raw: { width: from, height: from, channels: 3 } }).resize(to, to, { fit: 'cover' }).raw().toBuffer());

describe('enlarging a square as libvips does', () => {
  it.each([
    [150, 160],
    [150, 224],
    [149, 160],
    [100, 224],
    [150, 151],
  ])('is bit for bit sharp, %i to %i pixels, on real pictures', async (from, to) => {
    for (const file of fixtures) {
      const data = await fixtureSquare(file, from);
      const differing = differingValues(enlargeSquare({ data, side: from }, to), await enlargedBySharp(data, from, to));
      expect({ file, differing }).toEqual({ file, differing: 0 });
    }
  });

  it('clips the overshoot at hard edges to 0..255 as sharp does', async () => {
    const data = new Uint8Array(20 * 20 * 3);
    for (let i = 0; i < data.length; i += 6) data.fill(255, i, i + 3); // alternate black and white pixels
    expect(enlargeSquare({ data, side: 20 }, 33)).toEqual(await enlargedBySharp(data, 20, 33));
  });

  it('leaves a square of its own size unchanged, and refuses to shrink', async () => {
    const data = await fixtureSquare(fixtures[0]!, 40);
    expect(enlargeSquare({ data, side: 40 }, 40)).toEqual(data);
    expect(() => enlargeSquare({ data, side: 40 }, 39)).toThrow(RangeError);
  });
});
