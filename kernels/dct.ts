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
    forwardPass(sample(at), sample(at + 1), sample(at + 2), sample(at + 3), sample(at + 4), sample(at + 5), sample(at + 6), sample(at + 7), block + <usize>(row * 32));
  }
  forwardColumns(block);
  forwardColumns(block + 16);
}

/** A sample centred on 0, as the DCT takes it. */
@inline function sample(at: usize): i32 {
  return <i32>load<u8>(at) - 128;
}

/** The forward DCT's row pass on one row of 8 samples, written at `to`, scaled up by 2^PASS1_BITS. */
@inline function forwardPass(d0: i32, d1: i32, d2: i32, d3: i32, d4: i32, d5: i32, d6: i32, d7: i32, to: usize): void {
  const tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
  const tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
  const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
  const shift = CONST_BITS - PASS1_BITS;
  store<i32>(to, (tmp10 + tmp11) << PASS1_BITS);
  store<i32>(to, (tmp10 - tmp11) << PASS1_BITS, 16);
  const z1 = (tmp12 + tmp13) * FIX_0_541196100;
  store<i32>(to, descale(z1 + tmp13 * FIX_0_765366865, shift), 8);
  store<i32>(to, descale(z1 - tmp12 * FIX_1_847759065, shift), 24);

  const z5 = (tmp4 + tmp6 + tmp5 + tmp7) * FIX_1_175875602;
  const o1 = (tmp4 + tmp7) * -FIX_0_899976223;
  const o2 = (tmp5 + tmp6) * -FIX_2_562915447;
  const o3 = (tmp4 + tmp6) * -FIX_1_961570560 + z5;
  const o4 = (tmp5 + tmp7) * -FIX_0_390180644 + z5;
  store<i32>(to, descale(tmp4 * FIX_0_298631336 + o1 + o3, shift), 28);
  store<i32>(to, descale(tmp5 * FIX_2_053119869 + o2 + o4, shift), 20);
  store<i32>(to, descale(tmp6 * FIX_3_072711026 + o2 + o3, shift), 12);
  store<i32>(to, descale(tmp7 * FIX_1_501321110 + o1 + o4, shift), 4);
}

/**
 * The forward DCT's column pass on four columns at once, the rows' i32x4 at `at` 32 bytes apart,
 * in place: the same arithmetic as the row pass, which it takes the 2^PASS1_BITS out of again.
 */
@inline function forwardColumns(at: usize): void {
  const d0 = v128.load(at), d1 = v128.load(at, 32), d2 = v128.load(at, 64), d3 = v128.load(at, 96);
  const d4 = v128.load(at, 128), d5 = v128.load(at, 160), d6 = v128.load(at, 192), d7 = v128.load(at, 224);
  const tmp0 = i32x4.add(d0, d7), tmp7 = i32x4.sub(d0, d7), tmp1 = i32x4.add(d1, d6), tmp6 = i32x4.sub(d1, d6);
  const tmp2 = i32x4.add(d2, d5), tmp5 = i32x4.sub(d2, d5), tmp3 = i32x4.add(d3, d4), tmp4 = i32x4.sub(d3, d4);
  const tmp10 = i32x4.add(tmp0, tmp3), tmp13 = i32x4.sub(tmp0, tmp3), tmp11 = i32x4.add(tmp1, tmp2), tmp12 = i32x4.sub(tmp1, tmp2);
  const shift = CONST_BITS + PASS1_BITS;
  v128.store(at, descaled(i32x4.add(tmp10, tmp11), PASS1_BITS));
  v128.store(at, descaled(i32x4.sub(tmp10, tmp11), PASS1_BITS), 128);
  const z1 = times(i32x4.add(tmp12, tmp13), FIX_0_541196100);
  v128.store(at, descaled(i32x4.add(z1, times(tmp13, FIX_0_765366865)), shift), 64);
  v128.store(at, descaled(i32x4.sub(z1, times(tmp12, FIX_1_847759065)), shift), 192);

  const z5 = times(i32x4.add(i32x4.add(tmp4, tmp6), i32x4.add(tmp5, tmp7)), FIX_1_175875602);
  const o1 = times(i32x4.add(tmp4, tmp7), -FIX_0_899976223);
  const o2 = times(i32x4.add(tmp5, tmp6), -FIX_2_562915447);
  const o3 = i32x4.add(times(i32x4.add(tmp4, tmp6), -FIX_1_961570560), z5);
  const o4 = i32x4.add(times(i32x4.add(tmp5, tmp7), -FIX_0_390180644), z5);
  v128.store(at, descaled(sum3(times(tmp4, FIX_0_298631336), o1, o3), shift), 224);
  v128.store(at, descaled(sum3(times(tmp5, FIX_2_053119869), o2, o4), shift), 160);
  v128.store(at, descaled(sum3(times(tmp6, FIX_3_072711026), o2, o3), shift), 96);
  v128.store(at, descaled(sum3(times(tmp7, FIX_1_501321110), o1, o4), shift), 32);
}

// the vector forms of the arithmetic; i32 lanes wrap as the scalar i32 do, so sums may be taken in any order
@inline function times(x: v128, constant: i32): v128 {
  return i32x4.mul(x, i32x4.splat(constant));
}

@inline function descaled(x: v128, n: i32): v128 {
  return i32x4.shr_s(i32x4.add(x, i32x4.splat(1 << (n - 1))), n);
}

@inline function sum3(a: v128, b: v128, c: v128): v128 {
  return i32x4.add(i32x4.add(a, b), c);
}

/**
 * Quantises a block of coefficients and dequantises it again, in place, as libjpeg-turbo does:
 * it divides by multiplying with a reciprocal and a scale (jcdctmgr.c compute_reciprocal), which
 * rounds as it does. `table` holds 64 i32 each of multipliers, corrections, scales and steps.
 */
export function quantise(block: usize, table: usize): void {
  for (let i = 0; i < 64; i += 4) {
    const at = block + <usize>(i * 4);
    const entry = table + <usize>(i * 4);
    const value = v128.load(at);
    // a coefficient's magnitude is below 2^15 and a multiplier at most 2^16: the product fits 32 unsigned bits
    const product = i32x4.mul(i32x4.add(i32x4.abs(value), v128.load(entry, 256)), v128.load(entry));
    const level = i32x4.shr_u(i32x4.mul(i32x4.shr_u(product, 16), v128.load(entry, 512)), 16);
    const signed = v128.bitselect(i32x4.neg(level), level, i32x4.lt_s(value, i32x4.splat(0)));
    v128.store(at, i32x4.mul(signed, v128.load(entry, 768)));
  }
}

/**
 * The inverse DCT of a block of dequantised coefficients, written as 8-bit samples at `samples`
 * with rows `stride` apart. `work` is 64 i32 of scratch space.
 */
export function inverseDct(block: usize, work: usize, samples: usize, stride: i32): void {
  inverseColumns(block, work);
  inverseColumns(block + 16, work + 16);
  for (let row = 0; row < 8; row++) inverseRow(work + <usize>(row * 32), samples + <usize>(row * stride));
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
 * The inverse DCT's row pass on the 8 values at `from`, written as 8-bit samples at `to`. A row
 * whose values past the first are all 0 is that value spread, which is what the full arithmetic
 * gives too.
 */
@inline function inverseRow(from: usize, to: usize): void {
  const shift = CONST_BITS + PASS1_BITS + 3;
  const x0 = load<i32>(from), x1 = load<i32>(from, 4), x2 = load<i32>(from, 8), x3 = load<i32>(from, 12);
  const x4 = load<i32>(from, 16), x5 = load<i32>(from, 20), x6 = load<i32>(from, 24), x7 = load<i32>(from, 28);
  if ((x1 | x2 | x3 | x4 | x5 | x6 | x7) == 0) {
    memory.fill(to, rangeLimit(descale(x0, PASS1_BITS + 3)), 8);
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
  store<u8>(to, rangeLimit(descale(t10 + t3, shift)));
  store<u8>(to, rangeLimit(descale(t10 - t3, shift)), 7);
  store<u8>(to, rangeLimit(descale(t11 + t2, shift)), 1);
  store<u8>(to, rangeLimit(descale(t11 - t2, shift)), 6);
  store<u8>(to, rangeLimit(descale(t12 + t1, shift)), 2);
  store<u8>(to, rangeLimit(descale(t12 - t1, shift)), 5);
  store<u8>(to, rangeLimit(descale(t13 + t0, shift)), 3);
  store<u8>(to, rangeLimit(descale(t13 - t0, shift)), 4);
}

/**
 * The inverse DCT's column pass on four columns at once (rows' i32x4 32 bytes apart), from `from`
 * into `to`, descaled by 2^(CONST_BITS - PASS1_BITS). It does without the row pass's shortcut for
 * zeros, which gives the same numbers.
 */
@inline function inverseColumns(from: usize, to: usize): void {
  const x0 = v128.load(from), x1 = v128.load(from, 32), x2 = v128.load(from, 64), x3 = v128.load(from, 96);
  const x4 = v128.load(from, 128), x5 = v128.load(from, 160), x6 = v128.load(from, 192), x7 = v128.load(from, 224);
  const z1 = times(i32x4.add(x2, x6), FIX_0_541196100);
  const e2 = i32x4.sub(z1, times(x6, FIX_1_847759065));
  const e3 = i32x4.add(z1, times(x2, FIX_0_765366865));
  const e0 = i32x4.shl(i32x4.add(x0, x4), CONST_BITS);
  const e1 = i32x4.shl(i32x4.sub(x0, x4), CONST_BITS);
  const t10 = i32x4.add(e0, e3), t11 = i32x4.add(e1, e2), t12 = i32x4.sub(e1, e2), t13 = i32x4.sub(e0, e3);
  const z5 = times(i32x4.add(i32x4.add(x7, x3), i32x4.add(x5, x1)), FIX_1_175875602);
  const o1 = times(i32x4.add(x7, x1), -FIX_0_899976223);
  const o2 = times(i32x4.add(x5, x3), -FIX_2_562915447);
  const o3 = i32x4.add(times(i32x4.add(x7, x3), -FIX_1_961570560), z5);
  const o4 = i32x4.add(times(i32x4.add(x5, x1), -FIX_0_390180644), z5);
  const t0 = sum3(times(x7, FIX_0_298631336), o1, o3);
  const t1 = sum3(times(x5, FIX_2_053119869), o2, o4);
  const t2 = sum3(times(x3, FIX_3_072711026), o2, o3);
  const t3 = sum3(times(x1, FIX_1_501321110), o1, o4);
  const shift = CONST_BITS - PASS1_BITS;
  v128.store(to, descaled(i32x4.add(t10, t3), shift));
  v128.store(to, descaled(i32x4.sub(t10, t3), shift), 224);
  v128.store(to, descaled(i32x4.add(t11, t2), shift), 32);
  v128.store(to, descaled(i32x4.sub(t11, t2), shift), 192);
  v128.store(to, descaled(i32x4.add(t12, t1), shift), 64);
  v128.store(to, descaled(i32x4.sub(t12, t1), shift), 160);
  v128.store(to, descaled(i32x4.add(t13, t0), shift), 96);
  v128.store(to, descaled(i32x4.sub(t13, t0), shift), 128);
}
