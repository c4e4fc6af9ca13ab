import type { RgbSquare } from '../images.js';
import { enlargeSquare } from '../resample/enlarge.js';
import { shrinkSquare } from '../resample/shrink.js';
import { lumaAndLab } from './colour.js';
import { measuresOfDamage, type DamageMeasures } from './damage.js';
import { fieldOfView, MIN_FIELD_AREA } from './field.js';
import { laplacian } from './laplacian.js';

/**
 * The numbers the quality gate judges a picture by, measured on the model's centre square: on its
 * field of view (src/quality/field.ts), so that a dermatoscope's black surround, black corners or
 * vignetting do not count as darkness, detail or a covered centre.
 */
export interface QualityMeasures extends DamageMeasures {
  /** Share of the centre square inside the dark frame, if any: 1 without one. */
  fieldArea: number;
  /** Variance of the Laplacian of the luma: low means blurred. */
  sharpness: number;
  /** Mean luma, 0..255. */
  brightness: number;
  /** Share of pixels at or near black / white. */
  clippedDark: number;
  clippedBright: number;
  /** Share of the field that the lesion (the darker region) covers. */
  lesionArea: number;
  /** Distance of the lesion's centre from the picture's centre, as a share of the side. */
  lesionOffset: number;
  /** How much darker the lesion is than the rest: 1 - mean(lesion) / mean(rest); plain skin is near 0. */
  lesionContrast: number;
}

/** The training images' detail (a 150-pixel centre square): the gate measures every picture at it. */
const SIDE = 150;

/** The gate's measures of a decoded centre square, brought to 150 pixels. */
export function measureCentre(centre: RgbSquare): QualityMeasures {
  const square = centre.side === SIDE ? centre.data : centre.side > SIDE ? shrinkSquare(centre, SIDE) : enlargeSquare(centre, SIDE);
  const { luma, lab } = lumaAndLab(square);
  const field = fieldOfView(luma, SIDE);
  // a field too small to judge by (refused for it), or one that is nearly all margin (dark stripes), is measured
  // whole, as before: a picture dark all over is still called too dark
  const mask = field.area < MIN_FIELD_AREA || field.kept < MIN_FIELD_AREA / 2 ? field.mask.fill(1) : field.mask;
  const edges = laplacian(luma, SIDE);
  return { fieldArea: field.area, ...measuresOfLuma(luma, edges, mask, SIDE), ...measuresOfDamage(luma, lab, edges, mask, SIDE) };
}

/** `edges` is the luma's `laplacian`; `mask` is 1 for the pixels measured. */
function measuresOfLuma(luma: Uint8Array, edges: Float32Array, mask: Uint8Array, side: number): Omit<QualityMeasures, keyof DamageMeasures | 'fieldArea'> {
  let sum = 0;
  let dark = 0;
  let bright = 0;
  let n = 0;
  for (let i = 0; i < luma.length; i++) {
    if (mask[i] === 0) continue;
    const v = luma[i]!;
    sum += v;
    if (v <= 8) dark++;
    if (v >= 247) bright++;
    n++;
  }
  return {
    sharpness: edgeVariance(edges, mask, side),
    brightness: sum / n,
    clippedDark: dark / n,
    clippedBright: bright / n,
    ...lesionExtent(luma, mask, side),
  };
}

/** Variance of the Laplacian over the pixels in `mask`; `edges[k]` of row `y` is the Laplacian at pixel (x + 1, y + 1). */
function edgeVariance(edges: Float32Array, mask: Uint8Array, side: number): number {
  const inner = side - 2;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 0, k = 0; y < inner; y++) {
    const row = (y + 1) * side + 1;
    for (let x = 0; x < inner; x++, k++) {
      if (mask[row + x] === 0) continue;
      const l = edges[k]!;
      sum += l;
      sumSq += l * l;
      count++;
    }
  }
  return sumSq / count - (sum / count) ** 2;
}

/**
 * The lesion as the pixels of `mask` darker than Otsu's threshold, leaving out near-black pixels
 * (a frame, where the whole square is measured), and its area (a share of `mask`) and centroid.
 */
function lesionExtent(luma: Uint8Array, mask: Uint8Array, side: number): { lesionArea: number; lesionOffset: number; lesionContrast: number } {
  const histogram = new Array<number>(256).fill(0);
  let counted = 0;
  let measured = 0;
  for (let i = 0; i < luma.length; i++) {
    if (mask[i] === 0) continue;
    measured++;
    const v = luma[i]!;
    if (v > 20) {
      histogram[v]!++;
      counted++;
    }
  }
  const threshold = otsu(histogram, counted);
  let area = 0;
  let sx = 0;
  let sy = 0;
  let lesionSum = 0;
  let restSum = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      if (mask[i] === 0) continue;
      const v = luma[i]!;
      if (v > 20 && v <= threshold) {
        area++;
        sx += x;
        sy += y;
        lesionSum += v;
      } else if (v > 20) restSum += v;
    }
  }
  const rest = counted - area;
  if (area === 0 || rest === 0) return { lesionArea: area / measured, lesionOffset: 1, lesionContrast: 0 };
  const centre = (side - 1) / 2;
  return {
    lesionArea: area / measured,
    lesionOffset: Math.hypot(sx / area - centre, sy / area - centre) / side,
    lesionContrast: 1 - lesionSum / area / (restSum / rest),
  };
}

function otsu(histogram: number[], total: number): number {
  let sumAll = 0;
  histogram.forEach((count, value) => (sumAll += count * value));
  let sumBelow = 0;
  let countBelow = 0;
  let best = { threshold: 127, variance: -1 };
  for (let t = 0; t < 256; t++) {
    countBelow += histogram[t]!;
    if (countBelow === 0) continue;
    const countAbove = total - countBelow;
    if (countAbove === 0) break;
    sumBelow += t * histogram[t]!;
    const meanBelow = sumBelow / countBelow;
    const meanAbove = (sumAll - sumBelow) / countAbove;
    const variance = countBelow * countAbove * (meanBelow - meanAbove) ** 2;
    if (variance > best.variance) best = { threshold: t, variance };
  }
  return best.threshold;
}
