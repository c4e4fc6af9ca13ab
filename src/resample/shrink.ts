import type { RgbSquare } from '../images.js';

/**
 * Shrinks an RGB square to `side` pixels by area averaging: each output pixel is the mean of the
 * source area it covers, partly covered pixels weighted by their share. No ringing and no libvips
 * pipeline (whose start-up costs more than this arithmetic on a 150-pixel square).
 */
export function shrinkSquare({ data, side: n }: RgbSquare, side: number): Uint8Array {
  if (side > n) throw new RangeError(`shrinkSquare makes squares smaller, not ${n} to ${side} pixels`);
  const { taps, first, weights } = coverage(n, side);
  const rowStride = side * 3;
  // horizontal pass into floats, then vertical into bytes
  const rows = new Float32Array(n * rowStride);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < side; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < taps; k++) {
        const weight = weights[x * taps + k]!;
        const source = (y * n + first[x]! + k) * 3;
        r += weight * data[source]!;
        g += weight * data[source + 1]!;
        b += weight * data[source + 2]!;
      }
      const out = y * rowStride + x * 3;
      rows[out] = r;
      rows[out + 1] = g;
      rows[out + 2] = b;
    }
  }
  const result = new Uint8Array(side * rowStride);
  for (let y = 0; y < side; y++) {
    const source = first[y]! * rowStride;
    for (let i = 0; i < rowStride; i++) {
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += weights[y * taps + k]! * rows[source + k * rowStride + i]!;
      result[y * rowStride + i] = Math.round(sum);
    }
  }
  return result;
}

/**
 * For each output pixel, the first source pixel it covers and the share of it each of `taps`
 * source pixels from there makes up (they sum to 1; uncovered ones weigh 0).
 */
function coverage(n: number, side: number): { taps: number; first: Int32Array; weights: Float32Array } {
  const scale = n / side;
  const taps = Math.min(Math.ceil(scale) + 1, n);
  const first = new Int32Array(side);
  const weights = new Float32Array(side * taps);
  for (let out = 0; out < side; out++) {
    const start = out * scale;
    const end = start + scale;
    first[out] = Math.min(Math.floor(start), n - taps);
    for (let k = 0; k < taps; k++) {
      const pixel = first[out]! + k;
      weights[out * taps + k] = Math.max(0, Math.min(end, pixel + 1) - Math.max(start, pixel)) / scale;
    }
  }
  return { taps, first, weights };
}
