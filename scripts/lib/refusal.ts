import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelCard } from '../../src/classifier/modelCard.js';
import { encodeGaussian, mahalanobis, type GaussianModel } from '../../src/classifier/outOfDistribution.js';
import { fitGaussian } from './gaussian.js';
import { quantile } from './quantile.js';

export const OOD_FILE = 'ood.bin';
/** Share of HAM val lesions that the "not a lesion" check lets through: 99%, to keep its refusals of unseen lesions under 2%. */
export const VAL_PASS = 0.99;
const SHRINKAGE = 0.01;

/** Rows of per-flip activations (rows x dims each) as one list of vectors. */
function vectors(perFlip: Float32Array[], dims: number): Float32Array[] {
  return perFlip.flatMap((values) => Array.from({ length: values.length / dims }, (_, r) => values.subarray(r * dims, (r + 1) * dims)));
}

/** Mean over flips of each image's Mahalanobis distance. */
export function meanDistances(perFlip: Float32Array[], gaussian: GaussianModel): number[] {
  const rows = perFlip[0]!.length / gaussian.dims;
  const sums = new Array<number>(rows).fill(0);
  for (const values of perFlip) {
    const d = mahalanobis(values, gaussian);
    for (let r = 0; r < rows; r++) sums[r]! += d[r]! / perFlip.length;
  }
  return sums;
}

/**
 * The "not a lesion" check: a Gaussian over the hidden layer's activations of training images
 * (every test-time flip), with its threshold at the `VAL_PASS` quantile of HAM val distances.
 * Writes ood.bin into the model folder and returns the card's entry.
 */
export function fitOutOfDistribution(
  modelDir: string,
  layer: string,
  train: Float32Array[],
  val: Float32Array[],
  dims: number,
  trainedOn: string,
): { spec: ModelCard['out_of_distribution']; gaussian: GaussianModel; valDistances: number[] } {
  const gaussian = fitGaussian(vectors(train, dims), dims, SHRINKAGE);
  const valDistances = meanDistances(val, gaussian);
  const bytes = encodeGaussian(gaussian);
  writeFileSync(path.join(modelDir, OOD_FILE), bytes);
  return {
    gaussian,
    valDistances,
    spec: {
      method: 'mahalanobis',
      layer,
      file: OOD_FILE,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      dims,
      threshold: quantile(valDistances, VAL_PASS),
      threshold_rule: `${VAL_PASS * 100}th percentile of the HAM10000 val split's distances (mean over the test-time flips)`,
      fitted_on: `${trainedOn}, every test-time flip; covariance shrinkage ${SHRINKAGE}`,
    },
  };
}
