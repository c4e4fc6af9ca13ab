/**
 * The gate's two views of an 8-bit sRGB picture, in one pass: luma is the sRGB-encoded relative
 * luminance (libvips's `grayscale()` gets there through a table and differs by 0.3 levels on
 * average), and CIELAB is relative to the D65 white, as libvips's `toColourspace('lab')`.
 */
export interface LumaAndLab {
  luma: Uint8Array;
  /** L*, a*, b* per pixel. */
  lab: Float32Array;
}

const LINEAR = Float32Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

const D65 = { x: 0.95047, y: 1, z: 1.08883 };

/** The linear luminance at which each 8-bit sRGB code begins, for rounding a luminance to its code without a power. */
const CODE_STARTS = Float32Array.from({ length: 256 }, (_, code) => {
  const c = (code - 0.5) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** The code whose start is the last at or below each 1/4096 step of linear luminance: where `srgbCode` begins its search. */
const CODE_STEPS = 4096;
const FIRST_CODE = new Uint8Array(CODE_STEPS + 1);
for (let step = 0, code = 0; step <= CODE_STEPS; step++) {
  while (code < 255 && CODE_STARTS[code + 1]! <= step / CODE_STEPS) code++;
  FIRST_CODE[step] = code;
}

/** The last 8-bit code whose start is at or below `linear`. */
function srgbCode(linear: number): number {
  let code = FIRST_CODE[Math.floor(Math.min(Math.max(linear, 0), 1) * CODE_STEPS)]!;
  while (code < 255 && CODE_STARTS[code + 1]! <= linear) code++;
  return code;
}

/** CIELAB's f(t), tabulated over [0, 1] and interpolated: a*, b* within 0.01 of libvips's, without three cube roots a pixel. */
const LAB_STEPS = 4096;
const LAB_F = Float32Array.from({ length: LAB_STEPS + 2 }, (_, i) => {
  const t = i / LAB_STEPS;
  return t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29;
});

function labF(t: number): number {
  const position = Math.min(Math.max(t, 0), 1) * LAB_STEPS;
  const i = Math.floor(position);
  return LAB_F[i]! + (LAB_F[i + 1]! - LAB_F[i]!) * (position - i);
}

const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** Luma alone, as `lumaAndLab` gives it, for what needs no colour (a dark frame). */
export function lumaOf(rgb: Uint8Array): Uint8Array {
  const luma = new Uint8Array(rgb.length / 3);
  for (let p = 0, i = 0; p < luma.length; p++, i += 3) luma[p] = srgbCode(luminance(LINEAR[rgb[i]!]!, LINEAR[rgb[i + 1]!]!, LINEAR[rgb[i + 2]!]!));
  return luma;
}

export function lumaAndLab(rgb: Uint8Array): LumaAndLab {
  const count = rgb.length / 3;
  const luma = new Uint8Array(count);
  const lab = new Float32Array(rgb.length);
  for (let p = 0, i = 0; p < count; p++, i += 3) {
    const r = LINEAR[rgb[i]!]!;
    const g = LINEAR[rgb[i + 1]!]!;
    const b = LINEAR[rgb[i + 2]!]!;
    const y = luminance(r, g, b);
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * b) / D65.x);
    const fy = labF(y / D65.y);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * b) / D65.z);
    luma[p] = srgbCode(y);
    lab[i] = 116 * fy - 16;
    lab[i + 1] = 500 * (fx - fy);
    lab[i + 2] = 200 * (fy - fz);
  }
  return { luma, lab };
}
