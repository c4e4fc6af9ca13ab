import { describe, expect, it } from 'vitest';
import { fieldOfView, FRAME_MARGIN, MIN_FIELD_AREA } from '../src/quality/field.js';
import { judgeQuality } from '../src/quality/gate.js';
import { measureCentre, type QualityMeasures } from '../src/quality/measure.js';
import { seededRandom } from '../src/metrics/bootstrap.js';

const SIDE = 150;

/** Skin-like luma: mid-tones with a little grain, never near black. */
function skin(seed = 1): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: SIDE * SIDE }, () => 150 + Math.floor(random() * 20));
}

/** `luma` with everything outside the circle of `radius` around (cx, cy) painted `frame`. */
function outsideCircle(luma: Uint8Array, radius: number, cx = SIDE / 2, cy = SIDE / 2, frame = 0): Uint8Array {
  const out = Uint8Array.from(luma);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) > radius) out[y * SIDE + x] = frame;
  return out;
}

/** Whether pixel (x, y) of a mask is in the field. */
const inMask = (mask: Uint8Array, x: number, y: number) => mask[y * SIDE + x] === 1;

describe('field of view', () => {
  it('is the whole square when no border pixel is dark', () => {
    const { mask, area, kept } = fieldOfView(skin(), SIDE);
    expect(mask.every((v) => v === 1)).toBe(true);
    expect({ area, kept }).toEqual({ area: 1, kept: 1 });
  });

  it('is the disc inside a black circular frame, less a margin along the frame', () => {
    const radius = 0.9 * (SIDE / 2);
    const { mask, area } = fieldOfView(outsideCircle(skin(), radius), SIDE);
    expect(area).toBeCloseTo((Math.PI * radius ** 2) / SIDE ** 2, 2);
    // the margin is FRAME_MARGIN 8-neighbour steps: that many pixels across the frame's edge, up to √2 times as many along a diagonal
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const fromCentre = Math.hypot(x + 0.5 - SIDE / 2, y + 0.5 - SIDE / 2);
        if (fromCentre > radius - FRAME_MARGIN + 1) expect(inMask(mask, x, y), `${x},${y}`).toBe(false);
        if (fromCentre < radius - FRAME_MARGIN * Math.SQRT2 - 1) expect(inMask(mask, x, y), `${x},${y}`).toBe(true);
      }
    }
  });

  it('finds a frame that is only near black, and one whose circle is off-centre', () => {
    const { area } = fieldOfView(outsideCircle(skin(), 60, 90, 65, 25), SIDE);
    expect(area).toBeCloseTo((Math.PI * 60 ** 2) / SIDE ** 2, 2);
  });

  it('keeps a dark lesion that does not reach the border in the field', () => {
    const luma = outsideCircle(skin(), 0.9 * (SIDE / 2));
    for (let y = 55; y < 95; y++) for (let x = 55; x < 95; x++) luma[y * SIDE + x] = 5;
    const { mask } = fieldOfView(luma, SIDE);
    for (let y = 55; y < 95; y++) for (let x = 55; x < 95; x++) expect(inMask(mask, x, y)).toBe(true);
    // without a frame the same lesion leaves the whole square to the field
    const unframed = skin();
    for (let y = 55; y < 95; y++) for (let x = 55; x < 95; x++) unframed[y * SIDE + x] = 5;
    expect(fieldOfView(unframed, SIDE).kept).toBe(1);
  });

  it('leaves out black corners only, with the middle of every side in the field', () => {
    const radius = 1.2 * (SIDE / 2);
    const { mask, area } = fieldOfView(outsideCircle(skin(), radius), SIDE);
    expect(area).toBeGreaterThan(0.9);
    expect(area).toBeLessThan(1);
    for (const [x, y] of [[0, 0], [SIDE - 1, 0], [0, SIDE - 1], [SIDE - 1, SIDE - 1], [8, 8]] as const) expect(inMask(mask, x, y)).toBe(false);
    for (const [x, y] of [[SIDE / 2, 0], [0, SIDE / 2], [SIDE / 2, SIDE - 1], [SIDE - 1, SIDE / 2], [SIDE / 2, SIDE / 2]] as const) expect(inMask(mask, x, y)).toBe(true);
  });
});

describe('measures of a picture in a dark frame', () => {
  /** A grey square of `luma` as RGB. */
  const rgbOf = (luma: Uint8Array) => ({ side: SIDE, data: Uint8Array.from({ length: luma.length * 3 }, (_, i) => luma[Math.floor(i / 3)]!) });
  const radius = 0.9 * (SIDE / 2);

  it('are those of the field: the frame adds no darkness, detail or noise', () => {
    const clean = measureCentre(rgbOf(skin()));
    const framed = measureCentre(rgbOf(outsideCircle(skin(), radius)));
    expect(framed.fieldArea).toBeCloseTo((Math.PI * radius ** 2) / SIDE ** 2, 2);
    expect(framed.clippedDark).toBe(0);
    expect(framed.brightness).toBeCloseTo(clean.brightness, 0);
    expect(framed.sharpness / clean.sharpness).toBeCloseTo(1, 1);
    expect(framed.centreDetail).toBeCloseTo(clean.centreDetail, 1);
    expect(Math.abs(framed.noise - clean.noise)).toBeLessThanOrEqual(1);
    expect(framed.blankRows).toBe(0);
  });

  it("give the lesion's area as a share of the field and its offset from the picture's centre", () => {
    const withLesion = (luma: Uint8Array) => {
      for (let y = 50; y < 80; y++) for (let x = 60; x < 90; x++) luma[y * SIDE + x] = 90;
      return luma;
    };
    const clean = measureCentre(rgbOf(withLesion(skin())));
    const framed = measureCentre(rgbOf(withLesion(outsideCircle(skin(), radius))));
    const kept = fieldOfView(outsideCircle(skin(), radius), SIDE).kept;
    expect(framed.lesionArea).toBeCloseTo(clean.lesionArea / kept, 3);
    expect(framed.lesionOffset).toBeCloseTo(clean.lesionOffset, 3);
    expect(framed.lesionContrast).toBeCloseTo(clean.lesionContrast, 2);
  });

  it('are the whole square\'s when the field is too small to judge by, so that a dark picture is still too dark', () => {
    const dim = skin().map((v) => v / 6); // 25-28: dark everywhere, all of it taken for frame
    const m = measureCentre(rgbOf(dim));
    expect(m.fieldArea).toBeLessThan(MIN_FIELD_AREA);
    expect(m.brightness).toBeGreaterThan(20);
    expect(Number.isFinite(m.sharpness) && Number.isFinite(m.centreDetail)).toBe(true);
  });

  it('are the whole square\'s when the field is all margin (thin stripes between dark ones), and never NaN', () => {
    const striped = skin().map((v, i) => (i % SIDE) % 12 < 2 ? 5 : v);
    const m = measureCentre(rgbOf(striped));
    expect(m.fieldArea).toBeCloseTo(1 - 2 / 12, 1);
    expect(Object.values(m).every(Number.isFinite)).toBe(true);
    expect(m.clippedDark).toBeGreaterThan(0.15);
  });
});

describe('the gate and the field of view', () => {
  const limits = { minSharpness: 5, minBrightness: 40, maxBrightness: 230, maxClippedDark: 0.5, maxClippedBright: 0.3, minLesionArea: 0.01, maxLesionOffset: 0.4, minLesionContrast: 0.05 };
  const good: QualityMeasures = { fieldArea: 1, sharpness: 50, brightness: 150, clippedDark: 0, clippedBright: 0, lesionArea: 0.2, lesionOffset: 0.05, lesionContrast: 0.3, redGreen: 15, yellowBlue: 5, noise: 4, blankRows: 0, centreDetail: 1 };

  it('refuses a field smaller than the fixed minimum, whatever the fitted limits', () => {
    expect(judgeQuality(good, limits)).toEqual({ ok: true, reasons: [] });
    expect(judgeQuality({ ...good, fieldArea: 0.785 }, limits).ok).toBe(true);
    expect(judgeQuality({ ...good, fieldArea: MIN_FIELD_AREA - 0.01 }, limits)).toEqual({ ok: false, reasons: ['the field of view is too small (a dark frame covers most of the picture)'] });
  });
});
