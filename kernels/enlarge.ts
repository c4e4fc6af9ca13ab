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
  // vertical pass
  const out = take(side * rowStride);
  for (let y = 0; y < side; y++) {
    const tap = taps + <usize>(y * 32);
    const a = rows + <usize>(load<i32>(tap) * rowStride * 4), b = rows + <usize>(load<i32>(tap, 4) * rowStride * 4);
    const c = rows + <usize>(load<i32>(tap, 8) * rowStride * 4), d = rows + <usize>(load<i32>(tap, 12) * rowStride * 4);
    const wa = load<i32>(tap, 16), wb = load<i32>(tap, 20), wc = load<i32>(tap, 24), wd = load<i32>(tap, 28);
    const into = out + <usize>(y * rowStride);
    for (let i = 0; i < rowStride; i++) {
      const k = <usize>(i * 4);
      const value = (wa * load<i32>(a + k) + wb * load<i32>(b + k) + wc * load<i32>(c + k) + wd * load<i32>(d + k) + HALF) >> SHIFT;
      store<u8>(into + <usize>i, value < 0 ? 0 : value > 255 ? 255 : value);
    }
  }
  return out;
}
