import { take } from './arena';
import { forwardDct, inverseDct, quantise } from './dct';

/**
 * The pixels an RGB square comes back as after libvips compresses it to a JPEG and decodes it,
 * with libjpeg-turbo's arithmetic as libvips drives it below quality 90: YCbCr with 4:2:0 chroma,
 * edges replicated, the accurate integer DCT, and the "fancy" triangle-filter upsampling of
 * chroma. `tables` holds the luma quantiser then the chroma one (see `quantise`). Returns where
 * the n x n RGB result is.
 */
export function jpegRoundTrip(rgb: usize, n: i32, tables: usize): usize {
  const lumaSide = (n + 7) & ~7;
  const chromaWidth = (n + 1) >> 1;
  const chromaSide = (chromaWidth + 7) & ~7;
  const y = take(lumaSide * lumaSide);
  const cb = take(n * n);
  const cr = take(n * n);
  toYcc(rgb, n, y, lumaSide, cb, cr);
  padEdges(y, n, n, lumaSide);
  roundTripPlane(y, lumaSide, tables);
  const chroma = take(chromaSide * chromaSide);
  const upsampledCb = take(n * n);
  const upsampledCr = take(n * n);
  const sums = take(chromaWidth * 4);
  for (let plane = 0; plane < 2; plane++) {
    downsample(plane == 0 ? cb : cr, n, chroma, chromaSide);
    padEdges(chroma, chromaSide, chromaWidth, chromaSide);
    roundTripPlane(chroma, chromaSide, tables + 1024);
    upsample(chroma, chromaSide, chromaWidth, plane == 0 ? upsampledCb : upsampledCr, n, sums);
  }
  const out = take(n * n * 3);
  toRgb(y, lumaSide, upsampledCb, upsampledCr, n, out);
  return out;
}

// libjpeg's fixed-point colour conversions (jccolor.c, jdcolor.c): 16 fractional bits
const ONE_HALF = 1 << 15;
/** Cb and Cr are centred on 128; libjpeg rounds them down at exactly half. */
const CHROMA_OFFSET = (128 << 16) + ONE_HALF - 1;

/** Interleaved RGB as planes: Y into a plane `lumaStride` wide, Cb and Cr n x n. */
function toYcc(rgb: usize, n: i32, y: usize, lumaStride: i32, cb: usize, cr: usize): void {
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      const p = rgb + <usize>((row * n + column) * 3);
      const r = <i32>load<u8>(p), g = <i32>load<u8>(p, 1), b = <i32>load<u8>(p, 2);
      const i = <usize>(row * n + column);
      store<u8>(y + <usize>(row * lumaStride + column), (19595 * r + 38470 * g + 7471 * b + ONE_HALF) >> 16);
      store<u8>(cb + i, (32768 * b - 11059 * r - 21709 * g + CHROMA_OFFSET) >> 16);
      store<u8>(cr + i, (32768 * r - 27439 * g - 5329 * b + CHROMA_OFFSET) >> 16);
    }
  }
}

/** Fills a `side`-wide plane beyond its first `width` columns and `height` rows by repeating the last of them. */
function padEdges(plane: usize, width: i32, height: i32, side: i32): void {
  for (let row = 0; row < height; row++) {
    const at = plane + <usize>(row * side);
    memory.fill(at + <usize>width, load<u8>(at + <usize>(width - 1)), <usize>(side - width));
  }
  const last = plane + <usize>((height - 1) * side);
  for (let row = height; row < side; row++) memory.copy(plane + <usize>(row * side), last, <usize>side);
}

/**
 * A full-size n x n chroma plane averaged over 2x2 pixels with libjpeg's alternating rounding bias
 * of 1 and 2, into a plane `width` wide: the picture's right edge is repeated out to that width,
 * as libjpeg pads before it averages.
 */
function downsample(plane: usize, n: i32, out: usize, width: i32): void {
  const height = (n + 1) >> 1;
  for (let y = 0; y < height; y++) {
    const top = plane + <usize>(min(2 * y, n - 1) * n);
    const bottom = plane + <usize>(min(2 * y + 1, n - 1) * n);
    for (let x = 0; x < width; x++) {
      const left = <usize>min(2 * x, n - 1);
      const right = <usize>min(2 * x + 1, n - 1);
      const sum = <i32>load<u8>(top + left) + <i32>load<u8>(top + right) + <i32>load<u8>(bottom + left) + <i32>load<u8>(bottom + right);
      store<u8>(out + <usize>(y * width + x), (sum + 1 + (x & 1)) >> 2);
    }
  }
}

const block = memory.data(256, 16);
const work = memory.data(256, 16);

/** Every 8x8 block of a square plane compressed and decompressed in place: DCT, quantised, dequantised, inverse DCT. */
function roundTripPlane(plane: usize, side: i32, table: usize): void {
  for (let top = 0; top < side; top += 8) {
    for (let left = 0; left < side; left += 8) {
      const at = plane + <usize>(top * side + left);
      forwardDct(at, side, block);
      quantise(block, table);
      inverseDct(block, work, at, side);
    }
  }
}

/**
 * A decoded chroma plane (`width` real samples a row, rows `stride` apart) brought back to n x n
 * with libjpeg's "fancy" upsampling: each output sample weighs its nearest input 9/16, the two
 * next nearest 3/16 each and the diagonal 1/16; the edges repeat. `sums` holds `width` i32.
 */
function upsample(plane: usize, stride: i32, width: i32, out: usize, n: i32, sums: usize): void {
  for (let y = 0; y < n; y++) {
    const nearest = y >> 1;
    const next = y & 1 ? min(nearest + 1, width - 1) : max(nearest - 1, 0);
    for (let x = 0; x < width; x++) {
      const sum = <i32>load<u8>(plane + <usize>(nearest * stride + x)) * 3 + <i32>load<u8>(plane + <usize>(next * stride + x));
      store<i32>(sums + <usize>(x * 4), sum);
    }
    for (let x = 0; x < n; x++) {
      const here = load<i32>(sums + <usize>((x >> 1) * 4));
      // even outputs lean left and round with 8, odd ones lean right and round with 7
      const value = x & 1
        ? (here * 3 + load<i32>(sums + <usize>(min((x >> 1) + 1, width - 1) * 4)) + 7) >> 4
        : (here * 3 + load<i32>(sums + <usize>(max((x >> 1) - 1, 0) * 4)) + 8) >> 4;
      store<u8>(out + <usize>(y * n + x), value);
    }
  }
}

/** Planes of Y (rows `lumaStride` apart), Cb and Cr (n x n) as interleaved RGB, each value limited to 0-255. */
function toRgb(y: usize, lumaStride: i32, cb: usize, cr: usize, n: i32, out: usize): void {
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      const i = <usize>(row * n + column);
      const luma = <i32>load<u8>(y + <usize>(row * lumaStride + column));
      const blue = <i32>load<u8>(cb + i) - 128, red = <i32>load<u8>(cr + i) - 128;
      const p = out + i * 3;
      store<u8>(p, clamp(luma + ((91881 * red + ONE_HALF) >> 16)));
      store<u8>(p, clamp(luma + ((-22554 * blue - 46802 * red + ONE_HALF) >> 16)), 1);
      store<u8>(p, clamp(luma + ((116130 * blue + ONE_HALF) >> 16)), 2);
    }
  }
}

@inline function clamp(value: i32): i32 {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
