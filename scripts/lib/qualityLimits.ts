import type { InputSpec } from '../../src/classifier/preprocess.js';
import type { DamageLimits, QualityLimits } from '../../src/quality/gate.js';
import { judgeQuality } from '../../src/quality/gate.js';
import { measureQuality } from '../../src/classifier/preprocess.js';
import type { QualityMeasures } from '../../src/quality/measure.js';
import type { LabelledImage } from './datasets.js';
import { createProgress } from './progress.js';
import { quantile } from './quantile.js';

/** Lower limits sit at this quantile of the training images, upper limits at 1 minus it. */
export const QUALITY_TAIL = 0.001;

/** The gate's measures of each image, on the centre square that a model taking `spec` decodes. */
export async function measureImages(images: LabelledImage[], spec: InputSpec, label: string): Promise<QualityMeasures[]> {
  const progress = createProgress(label, images.length);
  const measures: QualityMeasures[] = [];
  for (let start = 0; start < images.length; start += 8) {
    const batch = images.slice(start, start + 8);
    measures.push(...(await Promise.all(batch.map((image) => measureQuality(image.file, spec)))));
    progress.tick(batch.length);
  }
  progress.finish();
  return measures;
}

const TRAINING_RULE = `each limit at the ${QUALITY_TAIL * 100}% tail of its measure over the training images (HAM10000 train + ISIC extra train)`;
const DAMAGE_RULE = 'the colour, noise, blank-row and centre-detail limits at the same tail over the val images (HAM10000 val + ISIC extra val)';
const QUALITY_RULE = `${TRAINING_RULE}; ${DAMAGE_RULE}`;

function tails(measures: QualityMeasures[]) {
  return {
    low: (key: keyof QualityMeasures) => quantile(measures.map((m) => m[key]), QUALITY_TAIL),
    high: (key: keyof QualityMeasures) => quantile(measures.map((m) => m[key]), 1 - QUALITY_TAIL),
  };
}

/**
 * The gate's limits: each at the 0.1% tail of its measure, so that about 1 in 1,000 images falls
 * outside each one, and a picture worse than almost all of them (blurred, dark, washed out, no
 * lesion in the centre, damaged or covered) is refused.
 */
export function fitQualityLimits(training: QualityMeasures[], val: QualityMeasures[]): QualityLimits & { rule: string } {
  const { low, high } = tails(training);
  return {
    minSharpness: low('sharpness'),
    minBrightness: low('brightness'),
    maxBrightness: high('brightness'),
    maxClippedDark: high('clippedDark'),
    maxClippedBright: high('clippedBright'),
    minLesionArea: low('lesionArea'),
    maxLesionOffset: high('lesionOffset'),
    minLesionContrast: low('lesionContrast'),
    ...fitDamageLimits(val),
    rule: QUALITY_RULE,
  };
}

/**
 * The limits on signs of damage, read off the val images. Read off HAM10000 val alone, they
 * refused 10.5% of the training images: ISIC's yellow or grey light and dense hair.
 */
export function fitDamageLimits(val: QualityMeasures[]): DamageLimits {
  const { low, high } = tails(val);
  return {
    minRedGreen: low('redGreen'),
    maxRedGreen: high('redGreen'),
    minYellowBlue: low('yellowBlue'),
    maxYellowBlue: high('yellowBlue'),
    maxNoise: high('noise'),
    maxBlankRows: high('blankRows'),
    minCentreDetail: low('centreDetail'),
  };
}

export function passRate(measures: QualityMeasures[], limits: QualityLimits): number {
  return measures.filter((m) => judgeQuality(m, limits).ok).length / measures.length;
}
