import { describe, expect, it } from 'vitest';
import { bootstrapInterval, confusionAt, expectedCalibrationError, metricsReport, ratesOf, rocAuc, thresholdForSensitivity } from '../src/metrics/index.js';

describe('confusion matrix and rates', () => {
  // truth:  M  M  M  B  B  B  B ; scores against threshold 0.5
  const truth = [true, true, true, false, false, false, false];
  const scores = [0.9, 0.6, 0.2, 0.7, 0.4, 0.1, 0.5];

  it('counts by hand', () => {
    expect(confusionAt(truth, scores, 0.5)).toEqual({ tp: 2, fn: 1, fp: 2, tn: 2 });
  });

  it('derives every rate', () => {
    const rates = ratesOf({ tp: 2, fn: 1, fp: 2, tn: 2 });
    expect(rates.recall).toBeCloseTo(2 / 3);
    expect(rates.specificity).toBeCloseTo(0.5);
    expect(rates.fp_rate).toBeCloseTo(0.5);
    expect(rates.precision).toBeCloseTo(0.5);
    expect(rates.f1).toBeCloseTo(4 / 7);
    expect(rates.accuracy).toBeCloseTo(4 / 7);
  });

  it('gives NaN where a denominator is zero', () => {
    expect(ratesOf({ tp: 0, fn: 0, fp: 0, tn: 3 }).recall).toBeNaN();
  });
});

describe('ROC AUC', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it('counts ties as one half', () => {
    // pairs (M, B): (0.5, 0.5) tie = 0.5, (0.5, 0.2) = 1, (0.9, 0.5) = 1, (0.9, 0.2) = 1 -> 3.5 / 4
    expect(rocAuc([true, true, false, false], [0.5, 0.9, 0.5, 0.2])).toBeCloseTo(0.875);
    expect(rocAuc([true, false, true, false], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('matches the pair count on an uneven example', () => {
    // M: 0.8, 0.4 ; B: 0.6, 0.3, 0.1 -> pairs won: 0.8 beats 3, 0.4 beats 2 -> 5 / 6
    expect(rocAuc([true, false, true, false, false], [0.8, 0.6, 0.4, 0.3, 0.1])).toBeCloseTo(5 / 6);
  });

  it('is undefined (NaN) with a single class', () => {
    expect(rocAuc([true, true], [0.1, 0.9])).toBeNaN();
    expect(rocAuc([false, false, false], [0.1, 0.5, 0.9])).toBeNaN();
  });
});

describe('expected calibration error', () => {
  it('is 0 when predicted and observed rates agree in every bin', () => {
    expect(expectedCalibrationError([true, false, true, false], [0.55, 0.55, 0.55, 0.55])).toBeCloseTo(0.05);
    expect(expectedCalibrationError([true, false], [0.5, 0.5])).toBeCloseTo(0);
  });

  it('weighs each bin by its share', () => {
    // bin 0.9: p 0.95, all benign -> gap 0.95 (weight 1/2); bin 0.0: p 0.05, benign -> gap 0.05 (weight 1/2)
    expect(expectedCalibrationError([false, false], [0.95, 0.05])).toBeCloseTo(0.5);
  });
});

describe('threshold for a sensitivity target', () => {
  it('is the most specific threshold meeting the target', () => {
    const truth = [true, true, true, true, false, false];
    const scores = [0.9, 0.8, 0.7, 0.2, 0.6, 0.1];
    expect(thresholdForSensitivity(truth, scores, 0.75)).toBe(0.7);
    expect(thresholdForSensitivity(truth, scores, 0.9)).toBe(0.2);
    expect(ratesOf(confusionAt(truth, scores, 0.7)).recall).toBeGreaterThanOrEqual(0.75);
  });
});

describe('bootstrap intervals', () => {
  it('are reproducible with a seed and bracket the point estimate', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const mean = (indices: number[]) => indices.reduce((sum, i) => sum + values[i]!, 0) / indices.length;
    const a = bootstrapInterval(values.length, mean, { seed: 7 });
    expect(bootstrapInterval(values.length, mean, { seed: 7 })).toEqual(a);
    expect(a.low).toBeLessThan(0.25);
    expect(a.high).toBeGreaterThan(0.25);
    expect(a.high - a.low).toBeLessThan(0.15);
  });

  it('resample whole groups when groups are given', () => {
    // two groups of identical values: any resample of groups gives a mean of exactly 0, 0.5 or 1
    const values = [0, 0, 0, 1, 1, 1];
    const groups = ['a', 'a', 'a', 'b', 'b', 'b'];
    const seen = new Set<number>();
    bootstrapInterval(values.length, (indices) => {
      const m = indices.reduce((sum, i) => sum + values[i]!, 0) / indices.length;
      seen.add(m);
      return m;
    }, { groups, iterations: 200 });
    expect([...seen].sort()).toEqual([0, 0.5, 1]);
  });
});

describe('metrics report', () => {
  it('puts every metric and interval together', () => {
    const truth = Array.from({ length: 100 }, (_, i) => i % 5 === 0);
    const p = truth.map((m, i) => (m ? 0.6 + (i % 7) * 0.05 : 0.1 + (i % 9) * 0.06));
    const report = metricsReport(truth, p, 0.5, { iterations: 200 });
    expect(report.n).toBe(100);
    expect(report.confusion.tp + report.confusion.fn).toBe(20);
    expect(report.auc).toBeGreaterThan(0.9);
    expect(report.ci.auc.low).toBeLessThanOrEqual(report.auc);
    expect(report.ci.recall.high).toBeGreaterThanOrEqual(report.recall);
  });
});
