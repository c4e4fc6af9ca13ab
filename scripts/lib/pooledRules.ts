import { calibratedLogit, sigmoid } from '../../src/classifier/decision.js';
import type { ModelCard } from '../../src/classifier/modelCard.js';
import { thresholdForSensitivity } from '../../src/metrics/index.js';
import { fitCalibration, type Calibration } from './calibrate.js';
import { weightedQuantile } from './quantile.js';

/** One source's val images: the model's mean logit and the truth of each. */
export interface SourceVal {
  name: string;
  logits: number[];
  malignant: boolean[];
}

export const SENSITIVITY_TARGET = 0.9;
/** Share of val images (each source weighted alike), nearest the threshold, answered "uncertain". */
export const UNCERTAIN_SHARE = 0.1;

export const POOLED_RULES = {
  calibration: 'HAM10000 val and isic-extra val pooled, each source weighted to half of the total, so that neither dominates',
  threshold: `highest threshold at which the sensitivity on each val source (HAM10000, isic-extra) is at least ${SENSITIVITY_TARGET}, on calibrated probabilities`,
};

export interface PooledRules {
  calibration: Calibration;
  threshold: number;
  band: ModelCard['uncertain_band'];
}

/**
 * The decision rules fitted on val pooled over its sources: a temperature and bias on the
 * weighted log-loss, the threshold that keeps every source's sensitivity at the target (the
 * lowest of the sources' own thresholds), and the uncertain band holding `UNCERTAIN_SHARE` of
 * the pooled, weighted images.
 */
export function fitPooledRules(sources: SourceVal[]): PooledRules {
  const weights = sources.flatMap((source) => source.logits.map(() => 1 / (sources.length * source.logits.length)));
  const logits = Float32Array.from(sources.flatMap((source) => source.logits));
  const malignant = sources.flatMap((source) => source.malignant);
  const calibration = fitCalibration(logits, malignant, weights);
  const probabilities = (source: SourceVal) => source.logits.map((logit) => sigmoid(calibratedLogit(logit, calibration)));
  const threshold = Math.min(...sources.map((source) => thresholdForSensitivity(source.malignant, probabilities(source), SENSITIVITY_TARGET)));
  const thresholdLogit = Math.log(threshold / (1 - threshold));
  const distances = Array.from(logits, (logit) => Math.abs(calibratedLogit(logit, calibration) - thresholdLogit));
  const halfWidth = weightedQuantile(distances, weights, UNCERTAIN_SHARE);
  return {
    calibration,
    threshold,
    band: {
      low: sigmoid(thresholdLogit - halfWidth),
      high: sigmoid(thresholdLogit + halfWidth),
      rule: `calibrated logit within ${halfWidth.toFixed(3)} of the threshold's: the ${UNCERTAIN_SHARE * 100}% of val images nearest the threshold (HAM10000 val and isic-extra val weighted alike)`,
    },
  };
}
