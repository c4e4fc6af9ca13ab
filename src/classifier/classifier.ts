import type * as TF from '@tensorflow/tfjs';
import { DEFAULT_OCCLUSION, occlusionMap, type OcclusionMap } from '../explain/occlusion.js';
import { judgeQuality } from '../quality/gate.js';
import { measureCentre } from '../quality/measure.js';
import { readRegularFile } from '../regularFile.js';
import type { BackendName, BackendRequest } from './backend.js';
import { calibratedProbability, decide, type Decision, type FlipAnalysis } from './decision.js';
import type { Flip } from './features.js';
import { hasLayer, readLayersFolder, type LayersFolder } from './layersFolder.js';
import { ModelFolderError } from './modelFile.js';
import { readModelCard, type ModelCard } from './modelCard.js';
import { mahalanobis, readGaussian, type GaussianModel } from './outOfDistribution.js';
import { inputSizeMismatch } from './network.js';
import { openNetwork } from './openNetwork.js';
import type { RgbSquare } from '../images.js';
import { decodePicture, decodeSquareRgb, normalise } from './preprocess.js';

export interface Prediction extends Decision {
  /** Milliseconds spent on this image (quality gate, preprocessing and inference). */
  ms: number;
}

export interface Classifier {
  card: ModelCard;
  /** `<name>@<sha256 prefix>`, shown on screen and stored with every result. */
  modelId: string;
  backend: BackendName;
  /** Why `auto` passed over faster backends, one sentence each (empty when it took the first). */
  skippedBackends: string[];
  threshold: number;
  classifyFile(input: string | Buffer): Promise<Prediction>;
  /**
   * The model's outputs for an image under some of the flips (so that flips can be shared out
   * among workers), and the quality gate's verdict when asked for.
   */
  analyse(input: string | Buffer, flips: readonly Flip[], withQuality: boolean): Promise<FlipAnalysis>;
  /** The model's raw malignant logit, averaged over the card's test-time flips, per preprocessed input. */
  meanLogits(inputs: Float32Array[]): Promise<number[]>;
  /** Calibrated p(malignant) for preprocessed inputs (size x size x 3 floats each). */
  predictPixels(inputs: Float32Array[]): Promise<number[]>;
  /** Where the model looked in an image: the occlusion map over its input square (src/explain/occlusion.ts). */
  explain(input: string | Buffer, onProgress?: (done: number) => void): Promise<Explanation>;
  dispose(): void;
}

export interface Explanation {
  /** The model's input square, `size` x `size` RGB: what the map lies over. */
  pixels: Uint8Array;
  size: number;
  map: OcclusionMap;
}

/** A picture's bytes, read from its file (refusing what is not a regular file) where given a path. */
const bytesOf = async (input: string | Buffer) => (typeof input === 'string' ? readRegularFile(input) : input);

export interface LoadOptions {
  /** TensorFlow.js, loaded only if a tfjs backend is tried. */
  tf: () => Promise<typeof TF>;
  modelDir: string;
  backend: BackendRequest;
}

/** Reads a model folder and checks its weights and "not a lesion" data against the card's checksums; throws a ModelFolderError in one sentence. */
export async function readVerifiedModel(modelDir: string): Promise<{ folder: LayersFolder; card: ModelCard; gaussian: GaussianModel }> {
  const [folder, card] = await Promise.all([readLayersFolder(modelDir), readModelCard(modelDir)]);
  if (folder.weightsSha256 !== card.weights_sha256) {
    throw new ModelFolderError(
      `The weights in ${modelDir} do not match the checksum in its model card, so the model may be corrupt or altered; refusing to use it.`,
    );
  }
  // checked here, not only where a tfjs backend builds the layer, since the onnx backend never reads the topology
  if (!hasLayer(folder, card.out_of_distribution.layer)) {
    throw new ModelFolderError(`The model card in ${modelDir} names the layer "${card.out_of_distribution.layer}" for the "not a lesion" check, which its model.json lacks.`);
  }
  return { folder, card, gaussian: await readGaussian(modelDir, card.out_of_distribution) };
}

export async function loadClassifier({ tf, modelDir, backend: request }: LoadOptions): Promise<Classifier> {
  const { folder, card, gaussian } = await readVerifiedModel(modelDir);
  // the network also hands out the layer that the "not a lesion" check looks at
  const { network, backend, skipped } = await openNetwork({ request, modelDir, folder, card, tf, watchLayer: card.out_of_distribution.layer });
  if (network.inputSize !== card.input.size) {
    network.dispose();
    throw inputSizeMismatch(modelDir, network.inputSize, card.input.size);
  }

  async function meanLogits(inputs: Float32Array[]): Promise<number[]> {
    const { logits } = await network.run(inputs, card.test_time_flips);
    return inputs.map((_, i) => logits.reduce((sum, row) => sum + row[i]!, 0) / logits.length);
  }
  const predictPixels = async (inputs: Float32Array[]) => (await meanLogits(inputs)).map((logit) => calibratedProbability(logit, card.calibration));
  async function analyse(input: string | Buffer, flips: readonly Flip[], withQuality: boolean): Promise<FlipAnalysis> {
    const image = await bytesOf(input);
    // one decode for the model and the gate; it is what refuses an unreadable picture, in a sentence for the operator
    const measure = (centre: RgbSquare) => (withQuality ? measureCentre(centre) : undefined);
    const { pixels, measures: quality } = await decodePicture(image, card.input.size, { detail: card.input.detail, frame: card.input.frame, measure });
    const { logits, activations } = await network.run([normalise(pixels, card.input)], flips);
    return {
      logits: logits.map(([logit]) => logit!),
      distances: activations!.map((values) => mahalanobis(values, gaussian)[0]!),
      qualityReasons: quality && judgeQuality(quality, card.quality_limits).reasons,
    };
  }

  return {
    card,
    modelId: `${card.name}@${card.weights_sha256.slice(0, 12)}`,
    backend,
    skippedBackends: skipped,
    threshold: card.threshold,
    meanLogits,
    predictPixels,
    analyse,
    async classifyFile(input) {
      const started = performance.now();
      const decision = decide(card, [await analyse(input, card.test_time_flips, true)]);
      return { ...decision, ms: performance.now() - started };
    },
    async explain(input, onProgress) {
      const { size } = card.input;
      const pixels = await decodeSquareRgb(await bytesOf(input), size, { detail: card.input.detail, frame: card.input.frame });
      const map = await occlusionMap(normalise(pixels, card.input), size, meanLogits, { ...DEFAULT_OCCLUSION, onProgress });
      return { pixels, size, map };
    },
    dispose: () => network.dispose(),
  };
}
