import sharp from 'sharp';
import type { OcclusionMap } from './occlusion.js';

/** Red where a part raised p(malignant), blue where it lowered it; the strongest cell at this opacity. */
const RAISED = [255, 48, 0] as const;
const LOWERED = [0, 110, 255] as const;
const MAX_OPACITY = 0.65;

/** The map's value at a pixel, bilinear between cell centres (so the overlay has no hard grid). */
function heatAt(map: OcclusionMap, x: number, y: number, side: number): number {
  const { grid, heat } = map;
  const gx = Math.min(Math.max((x + 0.5) * (grid / side) - 0.5, 0), grid - 1);
  const gy = Math.min(Math.max((y + 0.5) * (grid / side) - 0.5, 0), grid - 1);
  const [x0, y0] = [Math.floor(gx), Math.floor(gy)];
  const [x1, y1] = [Math.min(x0 + 1, grid - 1), Math.min(y0 + 1, grid - 1)];
  const [fx, fy] = [gx - x0, gy - y0];
  const top = heat[y0 * grid + x0]! * (1 - fx) + heat[y0 * grid + x1]! * fx;
  const bottom = heat[y1 * grid + x0]! * (1 - fx) + heat[y1 * grid + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/** The largest change any cell made, the overlay's full strength. */
export function strongestChange(map: OcclusionMap): number {
  return map.heat.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
}

/** `rgb` (side x side) with the map blended over it. */
function blendHeat(rgb: Uint8Array, side: number, map: OcclusionMap): Uint8Array {
  const out = new Uint8Array(rgb.length);
  const strongest = strongestChange(map) || 1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const value = heatAt(map, x, y, side);
      const colour = value >= 0 ? RAISED : LOWERED;
      const opacity = MAX_OPACITY * Math.min(1, Math.abs(value) / strongest);
      const at = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) out[at + c] = Math.round(rgb[at + c]! * (1 - opacity) + colour[c]! * opacity);
    }
  }
  return out;
}

/** The model's input square (`size` x `size` RGB), enlarged to `side` pixels, with the map over it, as a PNG. */
export async function explanationPng(pixels: Uint8Array, size: number, map: OcclusionMap, side = 320): Promise<Buffer> {
  const enlarged = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).resize(side, side).raw().toBuffer();
  const blended = blendHeat(new Uint8Array(enlarged.buffer, enlarged.byteOffset, enlarged.byteLength), side, map);
  return sharp(blended, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}
