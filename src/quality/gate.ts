import type { QualityMeasures } from './measure.js';

/**
 * Limits read off the training images of ../shared/data (`tsx scripts/quality-stats.ts`): each
 * sits at about the 0.1-0.2% tail of that data, so that almost every real lesion image passes,
 * while a blurred, dark, washed-out or badly framed picture does not.
 */
export const QUALITY_LIMITS = {
  minSharpness: 12, // 0.1% of the data: 10.9, 0.5%: 14.0
  minBrightness: 45, // 0.1%: 46.3
  maxBrightness: 230, // 99.9%: 228.2
  maxClippedDark: 0.7, // 99.9%: 0.66 (dermoscopy's black corners)
  maxClippedBright: 0.35, // 99.9%: 0.33
  minLesionArea: 0.01, // 0.1%: 0.011
  maxLesionOffset: 0.42, // 99.9%: 0.41
  minLesionContrast: 0.07, // 0.1%: 0.076
} as const;

export interface QualityVerdict {
  ok: boolean;
  /** Plain words for the operator, e.g. "too blurred". */
  reasons: string[];
}

export function judgeQuality(m: QualityMeasures, limits = QUALITY_LIMITS): QualityVerdict {
  const reasons: string[] = [];
  if (m.sharpness < limits.minSharpness) reasons.push('too blurred');
  if (m.brightness < limits.minBrightness || m.clippedDark > limits.maxClippedDark) reasons.push('too dark');
  if (m.brightness > limits.maxBrightness || m.clippedBright > limits.maxClippedBright) reasons.push('too bright or washed out');
  if (m.lesionArea < limits.minLesionArea || m.lesionContrast < limits.minLesionContrast) reasons.push('no lesion in the centre, or too small');
  else if (m.lesionOffset > limits.maxLesionOffset) reasons.push('lesion off-centre');
  return { ok: reasons.length === 0, reasons };
}
