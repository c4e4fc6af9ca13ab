/**
 * libjpeg-turbo's accurate integer DCT pair (jfdctint.c and jidctint.c, "islow", libjpeg 6b's
 * arithmetic), which libvips uses to write and read JPEGs. Its SIMD versions give the same
 * numbers, so these reproduce what sharp gives bit for bit. Blocks are 64 i32 values, row by row.
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** x / 2^n rounded half up, as libjpeg's DESCALE. */
@inline function descale(x: i32, n: i32): i32 {
  return (x + (1 << (n - 1))) >> n;
}

/**
 * The forward DCT of the 8x8 block of 8-bit samples at `samples` (rows `stride` apart) into
 * `block`. The coefficients come out 8 times too large, as libjpeg leaves them for its quantiser.
 */
export function forwardDct(samples: usize, stride: i32, block: usize): void {
  for (let row = 0; row < 8; row++) {
    const at = samples + <usize>(row * stride);
    forwardPass(
      sample(at), sample(at + 1), sample(at + 2), sample(at + 3), sample(at + 4), sample(at + 5), sample(at + 6), sample(at + 7),
      block + <usize>(row * 32), 4, 0,
    );
  }
  for (let column = 0; column < 8; column++) {
    const at = block + <usize>(column * 4);
    forwardPass(
      load<i32>(at), load<i32>(at, 32), load<i32>(at, 64), load<i32>(at, 96), load<i32>(at, 128), load<i32>(at, 160), load<i32>(at, 192), load<i32>(at, 224),
      at, 32, PASS1_BITS,
    );
  }
}

/** A sample centred on 0, as the DCT takes it. */
@inline function sample(at: usize): i32 {
  return <i32>load<u8>(at) - 128;
}

/** One 1-D pass of the forward DCT, written at `to` with values `step` bytes apart: rows first (`extra` 0), then columns. */
@inline function forwardPass(d0: i32, d1: i32, d2: i32, d3: i32, d4: i32, d5: i32, d6: i32, d7: i32, to: usize, step: usize, extra: i32): void {
  const tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
  const tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
  const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
  // the row pass scales up by 2^PASS1_BITS, the column pass takes it out again
  const shift = CONST_BITS - PASS1_BITS + 2 * extra;
  if (extra == 0) {
    store<i32>(to, (tmp10 + tmp11) << PASS1_BITS);
    store<i32>(to + 4 * step, (tmp10 - tmp11) << PASS1_BITS);
  } else {
    store<i32>(to, descale(tmp10 + tmp11, extra));
    store<i32>(to + 4 * step, descale(tmp10 - tmp11, extra));
  }
  const z1 = (tmp12 + tmp13) * FIX_0_541196100;
  store<i32>(to + 2 * step, descale(z1 + tmp13 * FIX_0_765366865, shift));
  store<i32>(to + 6 * step, descale(z1 - tmp12 * FIX_1_847759065, shift));

  const z5 = (tmp4 + tmp6 + tmp5 + tmp7) * FIX_1_175875602;
  const o1 = (tmp4 + tmp7) * -FIX_0_899976223;
  const o2 = (tmp5 + tmp6) * -FIX_2_562915447;
  const o3 = (tmp4 + tmp6) * -FIX_1_961570560 + z5;
  const o4 = (tmp5 + tmp7) * -FIX_0_390180644 + z5;
  store<i32>(to + 7 * step, descale(tmp4 * FIX_0_298631336 + o1 + o3, shift));
  store<i32>(to + 5 * step, descale(tmp5 * FIX_2_053119869 + o2 + o4, shift));
  store<i32>(to + 3 * step, descale(tmp6 * FIX_3_072711026 + o2 + o3, shift));
  store<i32>(to + step, descale(tmp7 * FIX_1_501321110 + o1 + o4, shift));
}

/**
 * Quantises a block of coefficients and dequantises it again, in place, as libjpeg-turbo does:
 * it divides by multiplying with a reciprocal (jcdctmgr.c), which rounds as it does. `table`
 * holds 64 i32 each of multipliers, corrections, shifts and quantisation steps.
 */
export function quantise(block: usize, table: usize): void {
  for (let i = 0; i < 64; i++) {
    const at = block + <usize>(i * 4);
    const entry = table + <usize>(i * 4);
    const value = load<i32>(at);
    const magnitude = value < 0 ? -value : value;
    // a coefficient is below 2^15 and a multiplier at most 2^16: the product fits 32 unsigned bits
    const level = <i32>((<u32>(magnitude + load<i32>(entry, 256)) * <u32>load<i32>(entry)) >> <u32>load<i32>(entry, 512));
    store<i32>(at, (value < 0 ? -level : level) * load<i32>(entry, 768));
  }
}

/**
 * The inverse DCT of a block of dequantised coefficients, written as 8-bit samples at `samples`
 * with rows `stride` apart. `work` is 64 i32 of scratch space.
 */
export function inverseDct(block: usize, work: usize, samples: usize, stride: i32): void {
  for (let column = 0; column < 8; column++) inversePass(block + <usize>(column * 4), 32, work + <usize>(column * 4), CONST_BITS - PASS1_BITS);
  for (let row = 0; row < 8; row++) {
    const at = work + <usize>(row * 32);
    inversePass(at, 4, at, CONST_BITS + PASS1_BITS + 3);
    const to = samples + <usize>(row * stride);
    for (let k = 0; k < 8; k++) store<u8>(to + <usize>k, rangeLimit(load<i32>(at + <usize>(k * 4))));
  }
}

/**
 * libjpeg's limit on the inverse DCT's output (a centred sample): -128..127 become 0..255, larger
 * values 255 and smaller 0, taken modulo 1024 first as its table lookup does.
 */
@inline function rangeLimit(value: i32): u8 {
  const i = value & 1023;
  return <u8>(i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
}

/**
 * One 1-D pass of the inverse DCT over 8 values `step` bytes apart, into the same places at `to`,
 * descaled by 2^`shift`. A pass whose values past the first are all 0 is that value spread, which
 * is what the full arithmetic gives too.
 */
@inline function inversePass(from: usize, step: usize, to: usize, shift: i32): void {
  const x0 = load<i32>(from), x1 = load<i32>(from + step), x2 = load<i32>(from + 2 * step), x3 = load<i32>(from + 3 * step);
  const x4 = load<i32>(from + 4 * step), x5 = load<i32>(from + 5 * step), x6 = load<i32>(from + 6 * step), x7 = load<i32>(from + 7 * step);
  if ((x1 | x2 | x3 | x4 | x5 | x6 | x7) == 0) {
    const dc = descale(x0 << CONST_BITS, shift);
    for (let k: usize = 0; k < 8; k++) store<i32>(to + k * step, dc);
    return;
  }
  const z1 = (x2 + x6) * FIX_0_541196100;
  const e2 = z1 - x6 * FIX_1_847759065;
  const e3 = z1 + x2 * FIX_0_765366865;
  const e0 = (x0 + x4) << CONST_BITS;
  const e1 = (x0 - x4) << CONST_BITS;
  const t10 = e0 + e3, t11 = e1 + e2, t12 = e1 - e2, t13 = e0 - e3;
  const z5 = (x7 + x3 + x5 + x1) * FIX_1_175875602;
  const o1 = (x7 + x1) * -FIX_0_899976223;
  const o2 = (x5 + x3) * -FIX_2_562915447;
  const o3 = (x7 + x3) * -FIX_1_961570560 + z5;
  const o4 = (x5 + x1) * -FIX_0_390180644 + z5;
  const t0 = x7 * FIX_0_298631336 + o1 + o3;
  const t1 = x5 * FIX_2_053119869 + o2 + o4;
  const t2 = x3 * FIX_3_072711026 + o2 + o3;
  const t3 = x1 * FIX_1_501321110 + o1 + o4;
  store<i32>(to, descale(t10 + t3, shift));
  store<i32>(to + 7 * step, descale(t10 - t3, shift));
  store<i32>(to + step, descale(t11 + t2, shift));
  store<i32>(to + 6 * step, descale(t11 - t2, shift));
  store<i32>(to + 2 * step, descale(t12 + t1, shift));
  store<i32>(to + 5 * step, descale(t12 - t1, shift));
  store<i32>(to + 3 * step, descale(t13 + t0, shift));
  store<i32>(to + 4 * step, descale(t13 - t0, shift));
}
