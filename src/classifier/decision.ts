import type { ModelCard } from './modelCard.js';

export type Label = 'benign' | 'malignant' | 'uncertain' | 'rejected';

export const NOT_A_LESION = 'not a skin lesion, or unlike any image the model learnt from';

/** What one pass of the model (some or all of the test-time flips) says about an image. */
export interface FlipAnalysis {
  logits: number[];
  /** Mahalanobis distance per flip, when the card has a "not a lesion" check. */
  distances?: number[];
  /** Why the picture fails the quality gate; present on the part that measured it. */
  qualityReasons?: string[];
}

export interface Decision {
  p_malignant: number;
  label: Label;
  quality: { ok: boolean; reasons: string[] };
  /** Mean distance from the training images (null when the model has no such check). */
  ood_score: number | null;
}

/** What turns the model's outputs into an answer; the band and the "not a lesion" check may be left out in tests of the rest. */
export type DecisionRules = Pick<ModelCard, 'calibration' | 'threshold'> & Partial<Pick<ModelCard, 'uncertain_band' | 'out_of_distribution'>>;

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The model's mean logit after calibration: logit / temperature + bias. */
export function calibratedLogit(meanLogit: number, { temperature, bias }: Pick<ModelCard['calibration'], 'temperature' | 'bias'>): number {
  return meanLogit / temperature + bias;
}

export function calibratedProbability(meanLogit: number, calibration: Pick<ModelCard['calibration'], 'temperature' | 'bias'>): number {
  return sigmoid(calibratedLogit(meanLogit, calibration));
}

/**
 * The answer for one image from the analyses of all its flips: rejected when the picture fails
 * the quality gate or is far from the training images, uncertain inside the band around the
 * threshold, otherwise benign or malignant at the threshold. p(malignant) is given in every
 * case, for research; the label is what the operator is told.
 */
export function decide(rules: DecisionRules, parts: FlipAnalysis[]): Decision {
  const p = calibratedProbability(mean(parts.flatMap((part) => part.logits)), rules.calibration);
  const distances = parts.flatMap((part) => part.distances ?? []);
  const oodScore = rules.out_of_distribution && distances.length > 0 ? mean(distances) : null;
  const reasons = parts.flatMap((part) => part.qualityReasons ?? []);
  if (oodScore !== null && oodScore > rules.out_of_distribution!.threshold) reasons.push(NOT_A_LESION);
  const band = rules.uncertain_band;
  let label: Label;
  if (reasons.length > 0) label = 'rejected';
  else if (band && p >= band.low && p < band.high) label = 'uncertain';
  else label = p >= rules.threshold ? 'malignant' : 'benign';
  return { p_malignant: p, label, quality: { ok: reasons.length === 0, reasons }, ood_score: oodScore };
}
