import type { RgbSquare } from '../images.js';

/** libvips's interpolation coefficients are 12-bit fixed point. */
const SHIFT = 12;
const ONE = 1 << SHIFT;
const HALF = ONE >> 1;
/** ...at sub-pixel positions rounded to 1/64 of a pixel. */
const POSITIONS = 64;

/**
 * Enlarges an RGB square to `side` pixels exactly as libvips enlarges one (sharp's `resize` to a
 * larger size): Catmull-Rom bicubic, output pixel x sampled at x * n / side - 0.5, edges extended,
 * 12-bit coefficients, each source row's sum rounded before the vertical pass. Bit for bit the same
 * (test/enlarge.test.ts), so the model's input made here equals the one training made with sharp; a
 * libvips pipeline for this small step costs more in its start-up than the arithmetic.
 */
export function enlargeSquare({ data, side: n }: RgbSquare, side: number): Uint8Array {
  if (side < n) throw new RangeError(`enlargeSquare makes squares larger, not ${n} to ${side} pixels`);
  if (side === n) return data.slice(); // as sharp: no resampling at all, where libvips's formula would shift by half a pixel
  const { sources, weights } = tapsOf(n, side);
  const rowStride = side * 3;
  // horizontal pass: every source row, already at the output width
  const rows = new Int32Array(n * rowStride);
  for (let y = 0; y < n; y++) {
    const row = y * n * 3;
    for (let x = 0; x < side; x++) {
      const t = x * 4;
      const a = row + sources[t]! * 3;
      const b = row + sources[t + 1]! * 3;
      const c = row + sources[t + 2]! * 3;
      const d = row + sources[t + 3]! * 3;
      const wa = weights[t]!;
      const wb = weights[t + 1]!;
      const wc = weights[t + 2]!;
      const wd = weights[t + 3]!;
      const at = y * rowStride + x * 3;
      rows[at] = (wa * data[a]! + wb * data[b]! + wc * data[c]! + wd * data[d]! + HALF) >> SHIFT;
      rows[at + 1] = (wa * data[a + 1]! + wb * data[b + 1]! + wc * data[c + 1]! + wd * data[d + 1]! + HALF) >> SHIFT;
      rows[at + 2] = (wa * data[a + 2]! + wb * data[b + 2]! + wc * data[c + 2]! + wd * data[d + 2]! + HALF) >> SHIFT;
    }
  }
  // vertical pass
  const out = new Uint8Array(side * rowStride);
  for (let y = 0; y < side; y++) {
    const t = y * 4;
    const a = sources[t]! * rowStride;
    const b = sources[t + 1]! * rowStride;
    const c = sources[t + 2]! * rowStride;
    const d = sources[t + 3]! * rowStride;
    const wa = weights[t]!;
    const wb = weights[t + 1]!;
    const wc = weights[t + 2]!;
    const wd = weights[t + 3]!;
    const at = y * rowStride;
    for (let i = 0; i < rowStride; i++) {
      const value = (wa * rows[a + i]! + wb * rows[b + i]! + wc * rows[c + i]! + wd * rows[d + i]! + HALF) >> SHIFT;
      out[at + i] = value < 0 ? 0 : value > 255 ? 255 : value;
    }
  }
  return out;
}

/** For each output position, its four source pixels (edges extended) and their fixed-point weights. */
function tapsOf(n: number, side: number): { sources: Int32Array; weights: Int32Array } {
  const sources = new Int32Array(side * 4);
  const weights = new Int32Array(side * 4);
  for (let x = 0; x < side; x++) {
    const position = (x * n) / side - 0.5;
    const whole = Math.floor(position);
    // libvips rounds the fraction to the nearest 1/64 from a truncated 1/128
    const f = ((Math.trunc((position - whole) * POSITIONS * 2) + 1) >> 1) / POSITIONS;
    [catmullRom(1 + f), catmullRom(f), catmullRom(1 - f), catmullRom(2 - f)].forEach((weight, k) => {
      sources[x * 4 + k] = Math.min(n - 1, Math.max(0, whole - 1 + k));
      weights[x * 4 + k] = Math.trunc(weight * ONE);
    });
  }
  return { sources, weights };
}

function catmullRom(distance: number): number {
  const d = Math.abs(distance);
  if (d < 1) return 1.5 * d ** 3 - 2.5 * d ** 2 + 1;
  if (d < 2) return -0.5 * d ** 3 + 2.5 * d ** 2 - 4 * d + 2;
  return 0;
}
