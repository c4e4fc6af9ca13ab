import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegRoundTrip } from '../src/jpeg/roundTrip.js';
import { differingValues, fixtureSquare, SOME_FIXTURES as fixtures } from './helpers/squares.js';

async function roundTripBySharp(data: Uint8Array, side: number, quality: number): Promise<Uint8Array> {
  const compressed = await sharp(data, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality }).toBuffer();
  return new Uint8Array(await sharp(compressed).raw().toBuffer());
}

function differingValuesOfSameLength(mine: Uint8Array, theirs: Uint8Array): number {
  expect(mine.length).toBe(theirs.length);
  return differingValues(mine, theirs);
}

describe('a JPEG round trip computed as libjpeg-turbo computes it', () => {
  // 150 is the training images' detail; odd sides and sides that are not a multiple of 8 or 16 pad their edges
  it.each([
    [150, 75],
    [150, 30],
    [150, 89],
    [13, 75],
    [101, 75],
    [1, 75],
  ])('is bit for bit sharp on real pictures, %i pixels at quality %i', async (side, quality) => {
    for (const file of fixtures) {
      const data = await fixtureSquare(file, side);
      const mine = jpegRoundTrip({ data, side }, quality);
      expect({ file, side: mine.side, differing: differingValuesOfSameLength(mine.data, await roundTripBySharp(data, side, quality)) }).toEqual({ file, side, differing: 0 });
    }
  });

  it('is bit for bit sharp where the colours clip: saturated primaries and hard edges', async () => {
    const side = 40;
    const data = new Uint8Array(side * side * 3);
    for (let i = 0; i < side * side; i++) data.set([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]][(i * 7 + (i >> 3)) % 5]!, i * 3);
    expect(differingValuesOfSameLength(jpegRoundTrip({ data, side }, 75).data, await roundTripBySharp(data, side, 75))).toBe(0);
  });

  it('refuses the qualities at which libvips stops subsampling chroma', () => {
    expect(() => jpegRoundTrip({ data: new Uint8Array(3 * 8 * 8), side: 8 }, 90)).toThrow(RangeError);
  });
});
