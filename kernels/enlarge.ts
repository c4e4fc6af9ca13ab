/**
 * The pixel loops of enlarging an RGB square from n to `side` pixels as libvips does (bicubic, 12-bit
 * fixed point, each source row's sum rounded before the vertical pass). `taps` holds, for each output
 * position, four source indices then four weights (i32), as src/resample/enlarge.ts computes them.
 */
import { take } from './arena';

const SHIFT = 12;
const HALF = 1 << (SHIFT - 1);

export function enlarge(rgb: usize, n: i32, side: i32, taps: usize): usize {
  const rowStride = side * 3;
  // horizontal pass: every source row, already at the output width
  const rows = take(n * rowStride * 4);
  for (let y = 0; y < n; y++) {
    const source = rgb + <usize>(y * n * 3);
    const into = rows + <usize>(y * rowStride * 4);
    for (let x = 0; x < side; x++) {
      const tap = taps + <usize>(x * 32);
      const a = source + <usize>(load<i32>(tap) * 3), b = source + <usize>(load<i32>(tap, 4) * 3);
      const c = source + <usize>(load<i32>(tap, 8) * 3), d = source + <usize>(load<i32>(tap, 12) * 3);
      const wa = load<i32>(tap, 16), wb = load<i32>(tap, 20), wc = load<i32>(tap, 24), wd = load<i32>(tap, 28);
      for (let channel: usize = 0; channel < 3; channel++) {
        const sum = wa * <i32>load<u8>(a + channel) + wb * <i32>load<u8>(b + channel) + wc * <i32>load<u8>(c + channel) + wd * <i32>load<u8>(d + channel);
        store<i32>(into + <usize>((x * 3 + <i32>channel) * 4), (sum + HALF) >> SHIFT);
      }
    }
  }
  // vertical pass, 16 values at a time: four i32x4 sums narrowed with saturation, which clips them to 0..255
  const out = take(side * rowStride);
  const half = i32x4.splat(HALF);
  for (let y = 0; y < side; y++) {
    const tap = taps + <usize>(y * 32);
    const a = rows + <usize>(load<i32>(tap) * rowStride * 4), b = rows + <usize>(load<i32>(tap, 4) * rowStride * 4);
    const c = rows + <usize>(load<i32>(tap, 8) * rowStride * 4), d = rows + <usize>(load<i32>(tap, 12) * rowStride * 4);
    const wa = i32x4.splat(load<i32>(tap, 16)), wb = i32x4.splat(load<i32>(tap, 20));
    const wc = i32x4.splat(load<i32>(tap, 24)), wd = i32x4.splat(load<i32>(tap, 28));
    const into = out + <usize>(y * rowStride);
    let i = 0;
    for (; i + 16 <= rowStride; i += 16) {
      const k = <usize>(i * 4);
      const low = i16x8.narrow_i32x4_s(weighted(a, b, c, d, k, wa, wb, wc, wd, half), weighted(a, b, c, d, k + 16, wa, wb, wc, wd, half));
      const high = i16x8.narrow_i32x4_s(weighted(a, b, c, d, k + 32, wa, wb, wc, wd, half), weighted(a, b, c, d, k + 48, wa, wb, wc, wd, half));
      v128.store(into + <usize>i, i8x16.narrow_i16x8_u(low, high));
    }
    for (; i < rowStride; i++) {
      const k = <usize>(i * 4);
      const value = (load<i32>(tap, 16) * load<i32>(a + k) + load<i32>(tap, 20) * load<i32>(b + k) + load<i32>(tap, 24) * load<i32>(c + k) + load<i32>(tap, 28) * load<i32>(d + k) + HALF) >> SHIFT;
      store<u8>(into + <usize>i, value < 0 ? 0 : value > 255 ? 255 : value);
    }
  }
  return out;
}

/** Four values of the vertical pass: the weighted sum of four rows' i32 at byte offset `k`, rounded and shifted. */
@inline function weighted(a: usize, b: usize, c: usize, d: usize, k: usize, wa: v128, wb: v128, wc: v128, wd: v128, half: v128): v128 {
  const sum = i32x4.add(
    i32x4.add(i32x4.mul(wa, v128.load(a + k)), i32x4.mul(wb, v128.load(b + k))),
    i32x4.add(i32x4.mul(wc, v128.load(c + k)), i32x4.mul(wd, v128.load(d + k))),
  );
  return i32x4.shr_s(i32x4.add(sum, half), SHIFT);
}
