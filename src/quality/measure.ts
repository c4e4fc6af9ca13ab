import type { RgbSquare } from '../images.js';
import { enlargeSquare } from '../resample/enlarge.js';
import { shrinkSquare } from '../resample/shrink.js';
import { lumaAndLab } from './colour.js';
import { measuresOfDamage, type DamageMeasures } from './damage.js';
import { laplacian } from './laplacian.js';

/** The numbers the quality gate judges a picture by, measured on the model's centre square. */
export interface QualityMeasures extends DamageMeasures {
  /** Variance of the Laplacian of the luma: low means blurred. */
  sharpness: number;
  /** Mean luma, 0..255. */
  brightness: number;
  /** Share of pixels at or near black / white. */
  clippedDark: number;
  clippedBright: number;
  /** Share of the centre square that the lesion (the darker region) covers. */
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
  const edges = laplacian(luma, SIDE);
  return { ...measuresOfLuma(luma, edges, SIDE), ...measuresOfDamage(luma, lab, edges, SIDE) };
}

/** `edges` is the luma's `laplacian`. */
function measuresOfLuma(luma: Uint8Array, edges: Float32Array, side: number): Omit<QualityMeasures, keyof DamageMeasures> {
  let sum = 0;
  let dark = 0;
  let bright = 0;
  for (let i = 0; i < luma.length; i++) {
    const v = luma[i]!;
    sum += v;
    if (v <= 8) dark++;
    if (v >= 247) bright++;
  }
  const n = luma.length;
  return {
    sharpness: variance(edges),
    brightness: sum / n,
    clippedDark: dark / n,
    clippedBright: bright / n,
    ...lesionExtent(luma, side),
  };
}

function variance(values: Float32Array): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const l = values[i]!;
    sum += l;
    sumSq += l * l;
  }
  return sumSq / values.length - (sum / values.length) ** 2;
}

/**
 * The lesion as the pixels darker than Otsu's threshold, leaving out near-black pixels (the
 * dark corners of dermoscopy and vignetting), and its area and centroid.
 */
function lesionExtent(luma: Uint8Array, side: number): { lesionArea: number; lesionOffset: number; lesionContrast: number } {
  const histogram = new Array<number>(256).fill(0);
  let counted = 0;
  for (let i = 0; i < luma.length; i++) {
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
      const v = luma[y * side + x]!;
      if (v > 20 && v <= threshold) {
        area++;
        sx += x;
        sy += y;
        lesionSum += v;
      } else if (v > 20) restSum += v;
    }
  }
  const rest = counted - area;
  if (area === 0 || rest === 0) return { lesionArea: area / luma.length, lesionOffset: 1, lesionContrast: 0 };
  const centre = (side - 1) / 2;
  return {
    lesionArea: area / luma.length,
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
