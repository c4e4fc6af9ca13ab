import { describe, expect, it } from 'vitest';
import { decide, NOT_A_LESION, type DecisionRules } from '../src/classifier/decision.js';

const rules: DecisionRules = {
  calibration: { method: 'temperature-and-bias', temperature: 1, bias: 0, fitted_on: 'test' },
  threshold: 0.5,
  uncertain_band: { low: 0.4, high: 0.6, rule: 'test' },
  out_of_distribution: { method: 'mahalanobis', layer: 'h', file: 'ood.bin', sha256: '', dims: 2, threshold: 10, threshold_rule: '', fitted_on: '' },
};
const logitOf = (p: number) => Math.log(p / (1 - p));

describe('decide', () => {
  it('averages the logits of all flips, however they were shared out, and calls benign or malignant at the threshold', () => {
    const split = decide(rules, [{ logits: [logitOf(0.9)], distances: [2] }, { logits: [logitOf(0.7)], distances: [4], qualityReasons: [] }]);
    expect(split.p_malignant).toBeCloseTo(1 / (1 + Math.exp(-(logitOf(0.9) + logitOf(0.7)) / 2)), 10);
    expect(split).toMatchObject({ label: 'malignant', quality: { ok: true, reasons: [] }, ood_score: 3 });
    expect(decide(rules, [{ logits: [logitOf(0.1)], distances: [1] }]).label).toBe('benign');
  });

  it('is uncertain inside the band around the threshold, low end included', () => {
    expect(decide(rules, [{ logits: [logitOf(0.45)], distances: [1] }]).label).toBe('uncertain');
    expect(decide(rules, [{ logits: [logitOf(0.4)], distances: [1] }]).label).toBe('uncertain');
    expect(decide(rules, [{ logits: [logitOf(0.61)], distances: [1] }]).label).toBe('malignant');
    expect(decide({ ...rules, uncertain_band: undefined }, [{ logits: [logitOf(0.45)] }]).label).toBe('benign');
  });

  it('rejects a picture that fails the quality gate or is far from the training images, and says why', () => {
    const blurred = decide(rules, [{ logits: [logitOf(0.9)], distances: [1], qualityReasons: ['too blurred'] }]);
    expect(blurred).toMatchObject({ label: 'rejected', quality: { ok: false, reasons: ['too blurred'] } });
    expect(blurred.p_malignant).toBeCloseTo(0.9, 10); // kept for research, not shown as an answer
    const far = decide(rules, [{ logits: [logitOf(0.9)], distances: [9] }, { logits: [logitOf(0.9)], distances: [12] }]);
    expect(far).toMatchObject({ label: 'rejected', quality: { ok: false, reasons: [NOT_A_LESION] }, ood_score: 10.5 });
    expect(decide({ ...rules, out_of_distribution: undefined }, [{ logits: [1] }]).ood_score).toBeNull();
  });
});
