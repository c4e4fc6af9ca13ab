import type { QualityMeasures } from './measure.js';

/**
 * Where the gate draws its lines. The training run reads them off the training images and
 * writes them into the model card (`quality_limits`), so that almost every real lesion image
 * passes while a blurred, dark, washed-out or badly framed picture does not.
 */
export interface QualityLimits {
  minSharpness: number;
  minBrightness: number;
  maxBrightness: number;
  /** Dermoscopy's black corners make a high share of dark pixels normal. */
  maxClippedDark: number;
  maxClippedBright: number;
  minLesionArea: number;
  maxLesionOffset: number;
  minLesionContrast: number;
}

export interface QualityVerdict {
  ok: boolean;
  /** Plain words for the operator, e.g. "too blurred". */
  reasons: string[];
}

export function judgeQuality(m: QualityMeasures, limits: QualityLimits): QualityVerdict {
  const reasons: string[] = [];
  if (m.sharpness < limits.minSharpness) reasons.push('too blurred');
  if (m.brightness < limits.minBrightness || m.clippedDark > limits.maxClippedDark) reasons.push('too dark');
  if (m.brightness > limits.maxBrightness || m.clippedBright > limits.maxClippedBright) reasons.push('too bright or washed out');
  if (m.lesionArea < limits.minLesionArea || m.lesionContrast < limits.minLesionContrast) reasons.push('no lesion in the centre, or too small');
  else if (m.lesionOffset > limits.maxLesionOffset) reasons.push('lesion off-centre');
  return { ok: reasons.length === 0, reasons };
}
