import { describe, expect, it } from 'vitest';
import { shrinkSquare } from '../src/resample/shrink.js';

/** A square whose pixel at (x, y) is `value(x, y)` in all three channels. */
function square(side: number, value: (x: number, y: number) => number): Uint8Array {
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data.fill(value(x, y), (y * side + x) * 3, (y * side + x) * 3 + 3);
  return data;
}

describe('shrinking a square by area averaging', () => {
  it('averages each 2x2 block when halving', () => {
    const data = square(4, (x, y) => x * 10 + y * 50);
    expect(Array.from(shrinkSquare({ data, side: 4 }, 2).filter((_, i) => i % 3 === 0))).toEqual([30, 50, 130, 150]);
  });

  it('weighs partly covered pixels by their share (3 to 2 pixels)', () => {
    // the first output pixel covers source 0 and half of 1: (0 + 0.5 * 90) / 1.5 = 30 on each axis
    const data = square(3, (x, y) => (x === 1 ? 90 : 0) + (y === 1 ? 90 : 0));
    expect(shrinkSquare({ data, side: 3 }, 2)[0]).toBe(60);
  });

  it('keeps a flat picture flat and the mean of a textured one', () => {
    expect(shrinkSquare({ data: square(150, () => 255), side: 150 }, 128).every((v) => v === 255)).toBe(true);
    const data = square(150, (x, y) => (x * 7 + y * 13) % 256);
    const shrunk = shrinkSquare({ data, side: 150 }, 128);
    const mean = (values: Uint8Array) => values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(Math.abs(mean(shrunk) - mean(data))).toBeLessThan(1);
  });

  it('refuses to enlarge', () => {
    expect(() => shrinkSquare({ data: square(4, () => 0), side: 4 }, 5)).toThrow(RangeError);
  });
});
