import type * as TF from '@tensorflow/tfjs';
import { judgeQuality } from '../quality/gate.js';
import { measureQuality } from '../quality/measure.js';
import { readRegularFile } from '../regularFile.js';
import { selectBackend, type BackendName, type BackendRequest } from './backend.js';
import { calibratedProbability, decide, type Decision, type FlipAnalysis } from './decision.js';
import type { Flip } from './features.js';
import { readLayersFolder, ModelFolderError, type LayersFolder } from './layersFolder.js';
import { buildNetwork } from './network.js';
import { readModelCard, type ModelCard } from './modelCard.js';
import { mahalanobis, readGaussian, type GaussianModel } from './outOfDistribution.js';
import { preprocessImage } from './preprocess.js';

export interface Prediction extends Decision {
  /** Milliseconds spent on this image (quality gate, preprocessing and inference). */
  ms: number;
}

export interface Classifier {
  card: ModelCard;
  /** `<name>@<sha256 prefix>`, shown on screen and stored with every result. */
  modelId: string;
  backend: BackendName;
  threshold: number;
  classifyFile(input: string | Buffer): Promise<Prediction>;
  /**
   * The model's outputs for an image under some of the flips (so that flips can be shared out
   * among workers), and the quality gate's verdict when asked for.
   */
  analyse(input: string | Buffer, flips: readonly Flip[], withQuality: boolean): Promise<FlipAnalysis>;
  /** The model's raw malignant logit, averaged over the card's test-time flips, per preprocessed input. */
  meanLogits(inputs: Float32Array[]): number[];
  /** Calibrated p(malignant) for preprocessed inputs (size x size x 3 floats each). */
  predictPixels(inputs: Float32Array[]): number[];
  dispose(): void;
}

export interface LoadOptions {
  tf: typeof TF;
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
  return { folder, card, gaussian: await readGaussian(modelDir, card.out_of_distribution) };
}

export async function loadClassifier({ tf, modelDir, backend: request }: LoadOptions): Promise<Classifier> {
  const { folder, card, gaussian } = await readVerifiedModel(modelDir);
  const backend = await selectBackend(tf, request);
  // the network also hands out the layer that the "not a lesion" check looks at
  const network = await buildNetwork(tf, folder, modelDir, card.out_of_distribution.layer);
  if (network.inputSize !== card.input.size) {
    throw new ModelFolderError(`The model in ${modelDir} takes ${network.inputSize}-pixel pictures where its card says ${card.input.size}.`);
  }

  function run(inputs: Float32Array[], flips: readonly Flip[]): { logits: number[][]; distances: number[][] } {
    const { logits, activations } = network.run(inputs, flips);
    const distances = activations!.map((values) =>
      tf.tidy(() => Array.from(mahalanobis(tf, tf.tensor2d(values, [inputs.length, gaussian.dims]), gaussian).dataSync())),
    );
    return { logits, distances };
  }
  function meanLogits(inputs: Float32Array[]): number[] {
    const { logits } = network.run(inputs, card.test_time_flips);
    return inputs.map((_, i) => logits.reduce((sum, row) => sum + row[i]!, 0) / logits.length);
  }
  const predictPixels = (inputs: Float32Array[]) => meanLogits(inputs).map((logit) => calibratedProbability(logit, card.calibration));
  async function analyse(input: string | Buffer, flips: readonly Flip[], withQuality: boolean): Promise<FlipAnalysis> {
    const image = typeof input === 'string' ? await readRegularFile(input) : input;
    // preprocessing first: it is what refuses an unreadable picture, in a sentence for the operator
    const pixels = await preprocessImage(image, card.input);
    const quality = withQuality ? await measureQuality(image) : undefined;
    const { logits, distances } = run([pixels], flips);
    return {
      logits: logits.map(([logit]) => logit!),
      distances: distances.map(([distance]) => distance!),
      qualityReasons: quality && judgeQuality(quality, card.quality_limits).reasons,
    };
  }

  predictPixels([new Float32Array(card.input.size * card.input.size * 3)]); // warm-up: the first call compiles kernels

  return {
    card,
    modelId: `${card.name}@${card.weights_sha256.slice(0, 12)}`,
    backend,
    threshold: card.threshold,
    meanLogits,
    predictPixels,
    analyse,
    async classifyFile(input) {
      const started = performance.now();
      const decision = decide(card, [await analyse(input, card.test_time_flips, true)]);
      return { ...decision, ms: performance.now() - started };
    },
    dispose: () => network.dispose(),
  };
}
