/** The JPEG standard's example tables (Annex K), natural order, which libjpeg scales to a quality. */
const ANNEX_K_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const ANNEX_K_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

/** libjpeg's tables for a quality of 1-100 (jcparam.c), kept to baseline's 8 bits. */
function quantTables(quality: number): { luma: number[]; chroma: number[] } {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const percent = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  const scaled = (table: number[]) => table.map((value) => Math.min(255, Math.max(1, Math.floor((value * percent + 50) / 100))));
  return { luma: scaled(ANNEX_K_LUMA), chroma: scaled(ANNEX_K_CHROMA) };
}

/**
 * libjpeg-turbo's quantisers for a quality, luma then chroma, as the kernel takes them: 64 each of
 * multipliers, corrections, scales and steps. libjpeg-turbo divides a coefficient by its step
 * (times 8, as its DCT leaves coefficients 8 times too large) by multiplying with a reciprocal
 * and then a scale that stands for the rest of the shift (jcdctmgr.c compute_reciprocal), which
 * rounds as it does, so that is reproduced.
 */
export function quantiserTables(quality: number): Int32Array {
  let tables = quantisersByQuality.get(quality);
  if (!tables) {
    const { luma, chroma } = quantTables(quality);
    tables = new Int32Array(512);
    for (const [t, table] of [luma, chroma].entries()) {
      for (const [i, step] of table.entries()) {
        const { multiplier, correction, shift } = reciprocalOf(step * 8);
        const at = t * 256 + i;
        tables[at] = multiplier;
        tables[at + 64] = correction;
        tables[at + 128] = 2 ** (16 - shift);
        tables[at + 192] = step;
      }
    }
    quantisersByQuality.set(quality, tables);
  }
  return tables;
}

/** Every capture uses the model's one quality: its tables are worked out once. */
const quantisersByQuality = new Map<number, Int32Array>();

/** libjpeg-turbo's reciprocal for dividing 16-bit values by `divisor` with rounding. */
function reciprocalOf(divisor: number): { multiplier: number; correction: number; shift: number } {
  const log2 = 31 - Math.clz32(divisor);
  let bits = 16 + log2;
  let multiplier = Math.floor(2 ** bits / divisor);
  const remainder = 2 ** bits % divisor;
  let correction = divisor >> 1;
  if (remainder === 0) {
    multiplier /= 2;
    bits -= 1;
  } else if (remainder <= divisor >> 1) {
    correction += 1;
  } else {
    multiplier += 1;
  }
  return { multiplier, correction, shift: bits - 16 };
}
