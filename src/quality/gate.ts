import { MIN_FIELD_AREA } from './field.js';
import type { QualityMeasures } from './measure.js';

/**
 * Where the gate draws its lines. The training run reads them off the training images and
 * writes them into the model card (`quality_limits`), so that almost every real lesion image
 * passes while a blurred, dark, washed-out or badly framed picture does not.
 */
export interface QualityLimits extends Partial<DamageLimits> {
  minSharpness: number;
  minBrightness: number;
  maxBrightness: number;
  /** Of the field of view: a dark frame around it (src/quality/field.ts) does not count. */
  maxClippedDark: number;
  maxClippedBright: number;
  minLesionArea: number;
  maxLesionOffset: number;
  minLesionContrast: number;
}

/**
 * Limits on the signs of a damaged or covered picture (src/quality/damage.ts), read off the
 * validation images (HAM10000 and ISIC extra). Cards written before them lack them, and their gate leaves those checks out.
 */
export interface DamageLimits {
  minRedGreen: number;
  maxRedGreen: number;
  minYellowBlue: number;
  maxYellowBlue: number;
  maxNoise: number;
  maxBlankRows: number;
  minCentreDetail: number;
}

export interface QualityVerdict {
  ok: boolean;
  /** Plain words for the operator, e.g. "too blurred". */
  reasons: string[];
}

const below = (value: number, limit: number | undefined) => limit !== undefined && value < limit;
const above = (value: number, limit: number | undefined) => limit !== undefined && value > limit;

export function judgeQuality(m: QualityMeasures, limits: QualityLimits): QualityVerdict {
  const reasons: string[] = [];
  // a fixed rule, not a fitted limit: a dermatoscope's circle inscribed in the square covers 0.785 of it, the
  // smallest among the training images (ISIC extra's) 0.30
  if (m.fieldArea < MIN_FIELD_AREA) reasons.push('the field of view is too small (a dark frame covers most of the picture)');
  if (m.sharpness < limits.minSharpness) reasons.push('too blurred');
  if (m.brightness < limits.minBrightness || m.clippedDark > limits.maxClippedDark) reasons.push('too dark');
  if (m.brightness > limits.maxBrightness || m.clippedBright > limits.maxClippedBright) reasons.push('too bright or washed out');
  if (m.lesionArea < limits.minLesionArea || m.lesionContrast < limits.minLesionContrast) reasons.push('no lesion in the centre, or too small');
  else if (m.lesionOffset > limits.maxLesionOffset) reasons.push('lesion off-centre');
  if (
    below(m.redGreen, limits.minRedGreen) ||
    above(m.redGreen, limits.maxRedGreen) ||
    below(m.yellowBlue, limits.minYellowBlue) ||
    above(m.yellowBlue, limits.maxYellowBlue)
  ) {
    reasons.push('colour cast (light or white balance)');
  }
  if (above(m.noise, limits.maxNoise)) reasons.push('too noisy');
  if (above(m.blankRows, limits.maxBlankRows)) reasons.push('part of the picture is blank or missing');
  if (below(m.centreDetail, limits.minCentreDetail)) reasons.push('something covers the centre, or it is smeared');
  return { ok: reasons.length === 0, reasons };
}
