import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { cropToField } from '../src/classifier/fieldCrop.js';
import { decodeSquareRgb } from '../src/classifier/preprocess.js';
import { seededRandom } from '../src/metrics/bootstrap.js';

const SIDE = 150;
const SKIN = [200, 150, 130];
const LESION = [90, 50, 40];

/** Skin with a little grain and a round brown lesion of `lesionRadius` at the centre. */
function lesionPicture(lesionRadius = 25, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const data = new Uint8Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const colour = Math.hypot(x + 0.5 - SIDE / 2, y + 0.5 - SIDE / 2) < lesionRadius ? LESION : SKIN;
      for (let c = 0; c < 3; c++) data[(y * SIDE + x) * 3 + c] = colour[c]! + Math.floor(random() * 6);
    }
  }
  return data;
}

/** `data` painted black outside the circle of `radius` around (cx, cy). */
function framed(data: Uint8Array, radius: number, cx = SIDE / 2, cy = SIDE / 2): Uint8Array {
  const out = Uint8Array.from(data);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) > radius) out.fill(0, (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
  }
  return out;
}

const pixel = (data: Uint8Array, side: number, x: number, y: number) => Array.from(data.subarray((y * side + x) * 3, (y * side + x) * 3 + 3));
const close = (a: number[], b: number[], tolerance: number) => a.every((v, c) => Math.abs(v - b[c]!) <= tolerance);

describe('cropToField', () => {
  it('leaves a picture without a dark border alone', () => {
    expect(cropToField({ data: lesionPicture(), side: SIDE })).toBeNull();
  });

  it('cuts a small round field to the square around it and paints its corners the colour of the skin', () => {
    const out = cropToField({ data: framed(lesionPicture(), 45), side: SIDE })!;
    expect(out.side).toBeGreaterThanOrEqual(89);
    expect(out.side).toBeLessThanOrEqual(91);
    for (const [x, y] of [[0, 0], [out.side - 1, 0], [0, out.side - 1], [out.side - 1, out.side - 1]]) {
      expect(close(pixel(out.data, out.side, x!, y!), SKIN, 8), `corner ${x},${y}`).toBe(true);
    }
    const middle = Math.floor(out.side / 2);
    expect(close(pixel(out.data, out.side, middle, middle), LESION, 8)).toBe(true);
  });

  it('keeps an off-centre field whole, inside the picture', () => {
    const out = cropToField({ data: framed(lesionPicture(15), 50, 60, 85), side: SIDE })!;
    expect(out.side).toBeGreaterThanOrEqual(99);
    expect(out.side).toBeLessThanOrEqual(101);
    // no pixel of the crop is left black
    for (let i = 0; i < out.data.length; i += 3) expect(out.data[i]! + out.data[i + 1]! + out.data[i + 2]!).toBeGreaterThan(100);
  });

  it('paints black corners over without cutting, when the field reaches every edge', () => {
    const out = cropToField({ data: framed(lesionPicture(), 0.6 * SIDE), side: SIDE })!;
    expect(out.side).toBe(SIDE);
    expect(close(pixel(out.data, SIDE, 0, 0), SKIN, 8)).toBe(true);
  });

  it('takes a dark lesion that reaches one edge for a lesion, not a frame', () => {
    const data = lesionPicture();
    for (let y = 60; y < 90; y++) for (let x = 0; x < 40; x++) data.fill(10, (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
    expect(cropToField({ data, side: SIDE })).toBeNull();
  });

  it('leaves a picture dark all over to the quality gate', () => {
    expect(cropToField({ data: new Uint8Array(SIDE * SIDE * 3).fill(5), side: SIDE })).toBeNull();
  });
});

describe('a framed picture through the preprocessing', () => {
  const png = (data: Uint8Array) => sharp(data, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
  const meanDifference = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

  it('gives the model nearly what the unframed picture gives it, with the frame taken out, and not without', async () => {
    const clean = lesionPicture();
    const [plain, withFrame] = [await png(clean), await png(framed(clean, 0.55 * SIDE))];
    const spec = { detail: { side: 150, jpeg_quality: 75 } };
    const reference = await decodeSquareRgb(plain, 160, { ...spec, frame: 'crop-and-fill' });
    const taken = await decodeSquareRgb(withFrame, 160, { ...spec, frame: 'crop-and-fill' });
    const kept = await decodeSquareRgb(withFrame, 160, spec);
    expect(meanDifference(taken, reference)).toBeLessThan(3);
    expect(meanDifference(kept, reference)).toBeGreaterThan(10);
  });
});
