import { createHash } from 'node:crypto';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { isJsonObject, isString } from '../jsonShape.js';
import { MAX_MODEL_DATA_BYTES, MAX_MODEL_JSON_BYTES, ModelFolderError, readModelFile } from './modelFile.js';

/** A tfjs layers-format model read from a folder on disk (model.json + weight shards). */
export interface LayersFolder {
  artifacts: io.ModelArtifacts;
  /** sha256 of the concatenated weight bytes, in manifest order. */
  weightsSha256: string;
}

export async function readLayersFolder(dir: string): Promise<LayersFolder> {
  const modelJsonPath = path.join(dir, 'model.json');
  const text = await readModelFile(dir, 'model.json', { what: 'model file', maxBytes: MAX_MODEL_JSON_BYTES, missing: `No model.json in the model folder ${dir}.` });
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text.toString('utf8'));
  } catch {
    throw new ModelFolderError(`The model file ${modelJsonPath} is not valid JSON.`);
  }
  if (!isLayersModelJson(modelJson)) {
    throw new ModelFolderError(`The model file ${modelJsonPath} is not a TensorFlow.js layers model.`);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + weightByteLength(spec), 0);
  if (expectedBytes > MAX_MODEL_DATA_BYTES) {
    throw new ModelFolderError(`The model file ${modelJsonPath} describes ${expectedBytes} bytes of weights, more than the limit of ${MAX_MODEL_DATA_BYTES / 1024 / 1024} MB.`);
  }
  const shards: Buffer[] = [];
  let readBytes = 0;
  for (const shardPath of modelJson.weightsManifest.flatMap((group) => group.paths)) {
    const shard = await readModelFile(dir, shardPath, {
      what: 'weight file',
      maxBytes: MAX_MODEL_DATA_BYTES,
      missing: `The weight file ${shardPath} of the model in ${dir} is missing.`,
    });
    shards.push(shard);
    readBytes += shard.byteLength;
    // a manifest naming one shard many times must not add up to more than it describes
    if (readBytes > expectedBytes) break;
  }
  const weights = Buffer.concat(shards);
  if (weights.byteLength !== expectedBytes) {
    throw new ModelFolderError(
      `The weights of the model in ${dir} are ${readBytes > expectedBytes ? `more than ${expectedBytes}` : weights.byteLength} bytes where model.json describes ${expectedBytes}: a shard is truncated or corrupt.`,
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

const isArrayOf = <T>(value: unknown, check: (item: unknown) => item is T): value is T[] => Array.isArray(value) && value.every(check);
const isDimension = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

const isWeightSpec = (value: unknown): value is io.WeightsManifestEntry =>
  isJsonObject(value) &&
  isString(value.name) &&
  isString(value.dtype) &&
  isArrayOf(value.shape, isDimension) &&
  (value.quantization === undefined || (isJsonObject(value.quantization) && isString(value.quantization.dtype)));

const isManifestGroup = (value: unknown): value is io.WeightsManifestConfig[number] =>
  isJsonObject(value) && isArrayOf(value.paths, isString) && isArrayOf(value.weights, isWeightSpec);

interface NamedLayer {
  config: { name: string };
}
const isNamedLayer = (value: unknown): value is NamedLayer => isJsonObject(value) && isJsonObject(value.config) && isString(value.config.name);

/** The layers of a Keras model config, which tfjs takes bare or, as older Keras wrote it (the ImageNet bases), under model_config. */
function topologyLayers(topology: unknown): NamedLayer[] | undefined {
  const model = isJsonObject(topology) && isJsonObject(topology.model_config) ? topology.model_config : topology;
  return isJsonObject(model) && isJsonObject(model.config) && isArrayOf(model.config.layers, isNamedLayer) ? model.config.layers : undefined;
}

/** The structure every later step relies on: a Keras topology of named layers and a manifest of shards and typed, shaped weights. */
function isLayersModelJson(value: unknown): value is io.ModelJSON & { weightsManifest: io.WeightsManifestConfig } {
  return isJsonObject(value) && topologyLayers(value.modelTopology) !== undefined && isArrayOf(value.weightsManifest, isManifestGroup);
}

/** Whether the model's topology has a layer of this name. */
export function hasLayer({ artifacts }: LayersFolder, name: string): boolean {
  return topologyLayers(artifacts.modelTopology)?.some((layer) => layer.config.name === name) ?? false;
}

function weightByteLength(spec: io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((product, dim) => product * dim, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytesPerValue = dtype === 'float16' || dtype === 'uint16' ? 2 : dtype === 'uint8' || dtype === 'bool' ? 1 : 4;
  return count * bytesPerValue;
}
