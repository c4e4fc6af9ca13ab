import type { QualityLimits } from '../../src/quality/gate.js';
import { judgeQuality } from '../../src/quality/gate.js';
import { measureQuality, type QualityMeasures } from '../../src/quality/measure.js';
import type { LabelledImage } from './datasets.js';
import { createProgress } from './progress.js';
import { quantile } from './quantile.js';

/** Lower limits sit at this quantile of the training images, upper limits at 1 minus it. */
export const QUALITY_TAIL = 0.001;

export async function measureImages(images: LabelledImage[], label: string): Promise<QualityMeasures[]> {
  const progress = createProgress(label, images.length);
  const measures: QualityMeasures[] = [];
  for (let start = 0; start < images.length; start += 8) {
    const batch = images.slice(start, start + 8);
    measures.push(...(await Promise.all(batch.map((image) => measureQuality(image.file)))));
    progress.tick(batch.length);
  }
  progress.finish();
  return measures;
}

/**
 * The gate's limits read off the training images: each at the 0.1% tail of its measure, so that
 * about 1 in 1,000 training images falls outside each one, and a picture worse than almost all
 * of them (blurred, dark, washed out, no lesion in the centre) is refused.
 */
export function fitQualityLimits(measures: QualityMeasures[]): QualityLimits & { rule: string } {
  const low = (key: keyof QualityMeasures) => quantile(measures.map((m) => m[key]), QUALITY_TAIL);
  const high = (key: keyof QualityMeasures) => quantile(measures.map((m) => m[key]), 1 - QUALITY_TAIL);
  return {
    minSharpness: low('sharpness'),
    minBrightness: low('brightness'),
    maxBrightness: high('brightness'),
    maxClippedDark: high('clippedDark'),
    maxClippedBright: high('clippedBright'),
    minLesionArea: low('lesionArea'),
    maxLesionOffset: high('lesionOffset'),
    minLesionContrast: low('lesionContrast'),
    rule: `each limit at the ${QUALITY_TAIL * 100}% tail of its measure over the training images (HAM10000 train + ISIC extra train)`,
  };
}

export function passRate(measures: QualityMeasures[], limits: QualityLimits): number {
  return measures.filter((m) => judgeQuality(m, limits).ok).length / measures.length;
}
