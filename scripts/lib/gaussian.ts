import type { GaussianModel } from '../../src/classifier/outOfDistribution.js';

/**
 * Mean and shrunk covariance of row vectors, inverted: Σ' = (1 - α) Σ + α (tr Σ / d) I keeps
 * the matrix invertible when some units never fire (ReLU) and steadies the rare directions.
 */
export function fitGaussian(rows: Iterable<Float32Array>, dims: number, shrinkage: number): GaussianModel {
  const all = [...rows];
  const mean = new Float64Array(dims);
  for (const row of all) for (let i = 0; i < dims; i++) mean[i]! += row[i]!;
  for (let i = 0; i < dims; i++) mean[i]! /= all.length;

  const covariance = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  for (const row of all) {
    for (let i = 0; i < dims; i++) centred[i] = row[i]! - mean[i]!;
    for (let i = 0; i < dims; i++) {
      const ci = centred[i]!;
      if (ci === 0) continue;
      for (let j = 0; j <= i; j++) covariance[i * dims + j]! += ci * centred[j]!;
    }
  }
  let trace = 0;
  for (let i = 0; i < dims; i++) trace += covariance[i * dims + i]! / (all.length - 1);
  for (let i = 0; i < dims; i++) {
    for (let j = 0; j <= i; j++) {
      const value = ((1 - shrinkage) * covariance[i * dims + j]!) / (all.length - 1) + (i === j ? (shrinkage * trace) / dims : 0);
      covariance[i * dims + j] = value;
      covariance[j * dims + i] = value;
    }
  }
  return { mean: Float32Array.from(mean), precision: Float32Array.from(invertSymmetric(covariance, dims)), dims };
}

/** Inverse of a symmetric positive-definite matrix through its Cholesky factor: A⁻¹ = L⁻ᵀ L⁻¹. */
export function invertSymmetric(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (sum <= 0) throw new Error('the covariance matrix is not positive definite; raise the shrinkage');
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  const lInverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    lInverse[i * n + i] = 1 / l[i * n + i]!;
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= l[i * n + k]! * lInverse[k * n + j]!;
      lInverse[i * n + j] = sum / l[i * n + i]!;
    }
  }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < n; k++) sum += lInverse[k * n + i]! * lInverse[k * n + j]!;
      inverse[i * n + j] = sum;
      inverse[j * n + i] = sum;
    }
  }
  return inverse;
}
