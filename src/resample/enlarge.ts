import type { RgbSquare } from '../images.js';
import { runKernel } from '../kernels.js';

/** libvips's interpolation coefficients are 12-bit fixed point. */
const SHIFT = 12;
const ONE = 1 << SHIFT;
/** ...at sub-pixel positions rounded to 1/64 of a pixel. */
const POSITIONS = 64;

/**
 * Enlarges an RGB square to `side` pixels exactly as libvips enlarges one (sharp's `resize` to a
 * larger size): Catmull-Rom bicubic, output pixel x sampled at x * n / side - 0.5, edges extended,
 * 12-bit coefficients, each source row's sum rounded before the vertical pass (the loops are a
 * kernel, kernels/enlarge.ts). Bit for bit the same (test/enlarge.test.ts), so the model's input
 * made here equals the one training made with sharp; a libvips pipeline for this small step costs
 * more in its start-up than the arithmetic.
 */
export function enlargeSquare({ data, side: n }: RgbSquare, side: number): Uint8Array {
  if (side < n) throw new RangeError(`enlargeSquare makes squares larger, not ${n} to ${side} pixels`);
  if (side === n) return data.slice(); // as sharp: no resampling at all, where libvips's formula would shift by half a pixel
  return runKernel([data, tapsOf(n, side)], side * side * 3, (kernels, rgb, taps) => kernels.enlarge(rgb, n, side, taps));
}

/** For each output position, its four source pixels (edges extended) then their fixed-point weights, as the kernel takes them. */
function tapsOf(n: number, side: number): Int32Array {
  const taps = new Int32Array(side * 8);
  for (let x = 0; x < side; x++) {
    const position = (x * n) / side - 0.5;
    const whole = Math.floor(position);
    // libvips rounds the fraction to the nearest 1/64 from a truncated 1/128
    const f = ((Math.trunc((position - whole) * POSITIONS * 2) + 1) >> 1) / POSITIONS;
    [catmullRom(1 + f), catmullRom(f), catmullRom(1 - f), catmullRom(2 - f)].forEach((weight, k) => {
      taps[x * 8 + k] = Math.min(n - 1, Math.max(0, whole - 1 + k));
      taps[x * 8 + 4 + k] = Math.trunc(weight * ONE);
    });
  }
  return taps;
}

function catmullRom(distance: number): number {
  const d = Math.abs(distance);
  if (d < 1) return 1.5 * d ** 3 - 2.5 * d ** 2 + 1;
  if (d < 2) return -0.5 * d ** 3 + 2.5 * d ** 2 - 4 * d + 2;
  return 0;
}
