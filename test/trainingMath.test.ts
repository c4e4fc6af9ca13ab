import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitCalibration } from '../scripts/lib/calibrate.js';
import { float16Bits, float16Value } from '../src/classifier/float16.js';
import { fitGaussian, invertSymmetric } from '../scripts/lib/gaussian.js';
import { calibratedProbability } from '../src/classifier/decision.js';
import { encodeGaussian, readGaussian } from '../src/classifier/outOfDistribution.js';
import { seededRandom } from '../src/metrics/bootstrap.js';

describe('float16 conversion', () => {
  it('encodes exact values, rounding, overflow and subnormals', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(0.5)).toBe(0x3800);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(1e6)).toBe(0x7c00);
    expect(float16Bits(0)).toBe(0);
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: ties to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});

describe('calibration', () => {
  it('recovers the temperature and bias that generated the labels', () => {
    const random = seededRandom(3);
    const logits = new Float32Array(6000);
    const malignant: boolean[] = [];
    for (let i = 0; i < logits.length; i++) {
      logits[i] = (random() - 0.5) * 12;
      const p = 1 / (1 + Math.exp(-(logits[i]! / 2 - 1))); // true T = 2, bias = -1
      malignant.push(random() < p);
    }
    const fitted = fitCalibration(logits, malignant);
    expect(fitted.temperature).toBeCloseTo(2, 0);
    expect(fitted.bias).toBeCloseTo(-1, 0);
    expect(calibratedProbability(0, fitted)).toBeCloseTo(1 / (1 + Math.exp(1)), 1);
  });

  it('stays within bounds on separable data', () => {
    const fitted = fitCalibration(Float32Array.from([-3, -2, 2, 3]), [false, false, true, true]);
    expect(fitted.temperature).toBeGreaterThanOrEqual(0.05);
    expect(Number.isFinite(fitted.bias)).toBe(true);
  });
});

describe('the Gaussian of the "not a lesion" check', () => {
  it('inverts a symmetric positive-definite matrix', () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const inverse = invertSymmetric(a, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let product = 0;
        for (let k = 0; k < 3; k++) product += a[i * 3 + k]! * inverse[k * 3 + j]!;
        expect(product).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });

  it('fits the mean and the inverse covariance of its rows, with a unit that never fires kept invertible', () => {
    const random = seededRandom(7);
    const rows = Array.from({ length: 20000 }, () => {
      const a = random() * 2 - 1;
      const b = random() * 2 - 1;
      return Float32Array.from([3 + a, 1 + a + b, 0]); // var(x) = 1/3, cov(x, y) = 1/3, var(y) = 2/3
    });
    const { mean, precision } = fitGaussian(rows, 3, 0.001);
    expect(mean[0]).toBeCloseTo(3, 1);
    expect(mean[1]).toBeCloseTo(1, 1);
    // the inverse of [[1/3, 1/3], [1/3, 2/3]] is [[6, -3], [-3, 3]]
    expect(precision[0]).toBeCloseTo(6, 0);
    expect(precision[1]).toBeCloseTo(-3, 0);
    expect(precision[4]).toBeCloseTo(3, 0);
    expect(Number.isFinite(precision[8])).toBe(true);
  });

  it('is stored as the mean and the precision matrix\'s upper triangle, and read back whole', async () => {
    const dims = 3;
    const gaussian = { mean: Float32Array.from([1, 2, 3]), precision: Float32Array.from([4, 2, 0.5, 2, 5, 1, 0.5, 1, 6]), dims };
    const bytes = encodeGaussian(gaussian);
    expect(bytes.byteLength).toBe(4 * 3 + 2 * 6); // float32 mean, float16 triangle
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-ood-'));
    writeFileSync(path.join(dir, 'ood.bin'), bytes);
    const spec = { method: 'mahalanobis' as const, layer: 'h', file: 'ood.bin', sha256: createHash('sha256').update(bytes).digest('hex'), dims, threshold: 1, threshold_rule: '', fitted_on: '' };
    const read = await readGaussian(dir, spec);
    expect(Array.from(read.mean)).toEqual([1, 2, 3]);
    expect(Array.from(read.precision)).toEqual(Array.from(gaussian.precision)); // these values are exact in float16
    expect(float16Value(float16Bits(0.1))).toBeCloseTo(0.1, 4);
    expect(float16Value(float16Bits(-3 * 2 ** -24))).toBe(-3 * 2 ** -24); // subnormal
  });
});

