import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { UserError } from '../errors.js';

/** A tfjs layers-format model read from a folder on disk (model.json + weight shards). */
export interface LayersFolder {
  artifacts: io.ModelArtifacts;
  /** sha256 of the concatenated weight bytes, in manifest order. */
  weightsSha256: string;
}

export class ModelFolderError extends UserError {}

export async function readLayersFolder(dir: string): Promise<LayersFolder> {
  const modelJsonPath = path.join(dir, 'model.json');
  let modelJson: io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as io.ModelJSON;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFolderError(
      code === 'ENOENT' ? `No model.json in the model folder ${dir}.` : `The model file ${modelJsonPath} is not valid JSON.`,
    );
  }
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelFolderError(`The model file ${modelJsonPath} is not a TensorFlow.js layers model.`);
  }
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shardPath of group.paths) {
      try {
        shards.push(await readFile(path.join(dir, shardPath)));
      } catch {
        throw new ModelFolderError(`The weight file ${shardPath} of the model in ${dir} is missing or unreadable.`);
      }
    }
  }
  const weights = Buffer.concat(shards);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + weightByteLength(spec), 0);
  if (weights.byteLength !== expectedBytes) {
    throw new ModelFolderError(
      `The weights of the model in ${dir} are ${weights.byteLength} bytes where model.json describes ${expectedBytes}: a shard is truncated or corrupt.`,
    );
  }
  return {
    artifacts: {
      modelTopology: modelJson.modelTopology,
      weightSpecs,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
    },
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
  };
}

function weightByteLength(spec: io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((product, dim) => product * dim, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytesPerValue = dtype === 'float16' || dtype === 'uint16' ? 2 : dtype === 'uint8' || dtype === 'bool' ? 1 : 4;
  return count * bytesPerValue;
}
