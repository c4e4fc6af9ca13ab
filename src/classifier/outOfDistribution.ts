import { createHash } from 'node:crypto';
import path from 'node:path';
import { float16Value, toFloat16 } from './float16.js';
import { MAX_MODEL_DATA_BYTES, ModelFolderError, readModelFile } from './modelFile.js';

/**
 * How the card describes the "not a lesion" check: a Gaussian fitted to the training images'
 * activations of one layer; an image whose Mahalanobis distance (mean over the test-time flips)
 * exceeds the threshold is unlike anything the model learnt from and is rejected.
 */
export interface OutOfDistributionSpec {
  method: 'mahalanobis';
  layer: string;
  /**
   * Little-endian: the mean (dims float32), then the precision matrix's upper triangle, row by
   * row (it is symmetric), in float16: rounding it to 4 digits left every val and non-lesion
   * decision as it was, and it halves the file.
   */
  file: string;
  sha256: string;
  dims: number;
  threshold: number;
  threshold_rule: string;
  fitted_on: string;
}

export interface GaussianModel {
  mean: Float32Array;
  precision: Float32Array;
  dims: number;
}

const triangleSize = (dims: number) => (dims * (dims + 1)) / 2;

export function encodeGaussian({ mean, precision, dims }: GaussianModel): Buffer {
  const triangle = new Float32Array(triangleSize(dims));
  let k = 0;
  for (let i = 0; i < dims; i++) for (let j = i; j < dims; j++) triangle[k++] = precision[i * dims + j]!;
  const half = toFloat16(triangle);
  return Buffer.concat([Buffer.from(Float32Array.from(mean).buffer), Buffer.from(half.buffer, half.byteOffset, half.byteLength)]);
}

/** Reads the card's Gaussian, refusing a file whose checksum or size does not match the card. */
export async function readGaussian(modelDir: string, spec: OutOfDistributionSpec): Promise<GaussianModel> {
  const bytes = await readModelFile(modelDir, spec.file, {
    what: '"not a lesion" data',
    maxBytes: MAX_MODEL_DATA_BYTES,
    missing: `The model folder ${modelDir} lacks ${spec.file}, which its card names for the "not a lesion" check.`,
  });
  const expectedBytes = 4 * spec.dims + 2 * triangleSize(spec.dims);
  if (createHash('sha256').update(bytes).digest('hex') !== spec.sha256 || bytes.byteLength !== expectedBytes) {
    throw new ModelFolderError(`${path.join(modelDir, spec.file)} does not match the checksum in the model card, so it may be corrupt or altered; refusing to use it.`);
  }
  const { dims } = spec;
  const mean = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4 * dims));
  const triangle = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + 4 * dims, bytes.byteOffset + bytes.byteLength));
  const precision = new Float32Array(dims * dims);
  let k = 0;
  for (let i = 0; i < dims; i++) {
    for (let j = i; j < dims; j++) {
      const value = float16Value(triangle[k++]!);
      precision[i * dims + j] = value;
      precision[j * dims + i] = value;
    }
  }
  return { mean, precision, dims };
}

/** Mahalanobis distance of each row of `activations` (rows x dims, row by row) from the Gaussian. */
export function mahalanobis(activations: Float32Array, { mean, precision, dims }: GaussianModel): number[] {
  const rows = activations.length / dims;
  const centred = new Float64Array(dims);
  return Array.from({ length: rows }, (_, r) => {
    for (let i = 0; i < dims; i++) centred[i] = activations[r * dims + i]! - mean[i]!;
    let sum = 0;
    for (let i = 0; i < dims; i++) {
      let projected = 0;
      for (let j = 0; j < dims; j++) projected += centred[j]! * precision[i * dims + j]!;
      sum += projected * centred[i]!;
    }
    return Math.sqrt(Math.max(0, sum));
  });
}
