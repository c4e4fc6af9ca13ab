/** Binary confusion matrix; positive = malignant. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function confusionAt(truth: readonly boolean[], scores: readonly number[], threshold: number): Confusion {
  const counts: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  truth.forEach((positive, i) => {
    const predicted = scores[i]! >= threshold;
    const cell = positive ? (predicted ? 'tp' : 'fn') : predicted ? 'fp' : 'tn';
    counts[cell]++;
  });
  return counts;
}

export interface Rates {
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  fp_rate: number;
  f1: number;
}

/** Rates of a confusion matrix; a rate whose denominator is zero is NaN (reported as null). */
export function ratesOf(c: Confusion): Rates {
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return {
    accuracy: ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn),
    precision,
    recall,
    specificity: ratio(c.tn, c.tn + c.fp),
    fp_rate: ratio(c.fp, c.fp + c.tn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}
