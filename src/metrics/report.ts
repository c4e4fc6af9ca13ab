import { rocAuc } from './auc.js';
import { bootstrapInterval, type Interval } from './bootstrap.js';
import { expectedCalibrationError } from './calibration.js';
import { confusionAt, ratesOf, type Confusion, type Rates } from './confusion.js';

export interface MetricsReport extends Rates {
  n: number;
  auc: number;
  ece: number;
  threshold: number;
  confusion: Confusion;
  ci: Record<keyof Rates | 'auc' | 'ece', Interval>;
}

const RATE_NAMES = ['accuracy', 'precision', 'recall', 'specificity', 'fp_rate', 'f1'] as const;

/** Every metric of a binary classifier at one threshold, with 95% bootstrap intervals. */
export function metricsReport(
  truth: readonly boolean[],
  probabilities: readonly number[],
  threshold: number,
  options: { groups?: readonly string[]; iterations?: number; seed?: number } = {},
): MetricsReport {
  const pick = <T>(values: readonly T[], indices: number[]) => indices.map((i) => values[i]!);
  const point = (indices: number[]) => {
    const t = pick(truth, indices);
    const p = pick(probabilities, indices);
    return { rates: ratesOf(confusionAt(t, p, threshold)), auc: rocAuc(t, p), ece: expectedCalibrationError(t, p) };
  };
  const all = point(truth.map((_, i) => i));
  const interval = (statistic: (indices: number[]) => number) => bootstrapInterval(truth.length, statistic, options);
  const ci = {} as MetricsReport['ci'];
  for (const name of RATE_NAMES) ci[name] = interval((indices) => ratesOf(confusionAt(pick(truth, indices), pick(probabilities, indices), threshold))[name]);
  ci.auc = interval((indices) => rocAuc(pick(truth, indices), pick(probabilities, indices)));
  ci.ece = interval((indices) => expectedCalibrationError(pick(truth, indices), pick(probabilities, indices)));
  return { n: truth.length, ...all.rates, auc: all.auc, ece: all.ece, threshold, confusion: confusionAt(truth, probabilities, threshold), ci };
}
