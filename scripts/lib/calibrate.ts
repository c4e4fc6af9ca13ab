import { calibratedLogit } from '../../src/classifier/decision.js';

export interface Calibration {
  temperature: number;
  bias: number;
}

/** Mean binary cross-entropy, each image counted with its weight (all 1 when none are given). */
function nll(logits: Float32Array, malignant: readonly boolean[], c: Calibration, weights?: readonly number[]): number {
  let sum = 0;
  let total = 0;
  logits.forEach((logit, i) => {
    const z = calibratedLogit(logit, c);
    const w = weights?.[i] ?? 1;
    // log(1 + e^-|z|) + max(z, 0) - y z: binary cross-entropy in a form that cannot overflow
    sum += w * (Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - (malignant[i] ? z : 0));
    total += w;
  });
  return sum / total;
}

/** Minimum of a unimodal function on [low, high] by golden-section search. */
function goldenSection(f: (x: number) => number, low: number, high: number, iterations = 60): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < iterations; i++) {
    const a = high - ratio * (high - low);
    const b = low + ratio * (high - low);
    if (f(a) < f(b)) high = b;
    else low = a;
  }
  return (low + high) / 2;
}

/**
 * Temperature scaling with a bias term: p = sigmoid(logit / T + bias), minimising the
 * validation negative log-likelihood (weighted, where weights are given) over T in [0.05, 20]
 * and bias in [-10, 10]. The bias corrects the prior shift that class weighting and the
 * isic-extra malignant share put into the logits; the bounds keep a separable (tiny) validation
 * set from driving T to zero.
 */
export function fitCalibration(logits: Float32Array, malignant: readonly boolean[], weights?: readonly number[]): Calibration {
  const loss = (c: Calibration) => nll(logits, malignant, c, weights);
  const bestBias = (temperature: number) => goldenSection((bias) => loss({ temperature, bias }), -10, 10, 40);
  const logTemperature = goldenSection((logT) => loss({ temperature: Math.exp(logT), bias: bestBias(Math.exp(logT)) }), Math.log(0.05), Math.log(20), 40);
  const temperature = Math.exp(logTemperature);
  return { temperature, bias: bestBias(temperature) };
}
