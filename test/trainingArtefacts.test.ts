import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { sensorNoise } from '../scripts/lib/trainingArtefacts.js';

describe('the sensor noise the "not a lesion" check is fitted with', () => {
  it('adds zero-mean noise of at most 10 levels to mid-grey, differently for each draw', () => {
    const square = { data: new Uint8Array(64 * 64 * 3).fill(128), side: 64 };
    const random = seededRandom(5);
    const spreads = Array.from({ length: 20 }, () => {
      const noisy = sensorNoise(square, random);
      const deviations = Array.from(noisy, (v) => v - 128);
      const mean = deviations.reduce((a, b) => a + b, 0) / deviations.length;
      expect(Math.abs(mean)).toBeLessThan(0.5);
      return Math.sqrt(deviations.reduce((a, d) => a + d * d, 0) / deviations.length);
    });
    expect(Math.max(...spreads)).toBeLessThanOrEqual(10.3);
    expect(Math.max(...spreads)).toBeGreaterThan(5);
    expect(Math.min(...spreads)).toBeLessThan(Math.max(...spreads) - 3);
  });

  it('clips at black and white instead of wrapping round', () => {
    const random = seededRandom(6);
    for (const level of [0, 255]) {
      const noisy = sensorNoise({ data: new Uint8Array(20 * 20 * 3).fill(level), side: 20 }, random);
      expect(noisy.every((v) => Math.abs(v - level) <= 50)).toBe(true);
    }
  });
});
