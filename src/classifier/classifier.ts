import type * as TF from '@tensorflow/tfjs';
import { selectBackend, type BackendName, type BackendRequest } from './backend.js';
import { flipBatch, type Flip } from './features.js';
import { readLayersFolder, ModelFolderError } from './layersFolder.js';
import { readModelCard, type ModelCard } from './modelCard.js';
import { preprocessImage } from './preprocess.js';

export interface Prediction {
  p_malignant: number;
  label: 'benign' | 'malignant';
  /** Milliseconds spent on this image (preprocessing + inference). */
  ms: number;
}

/** Calibrated p(malignant) from the model's malignant logit averaged over the test-time flips. */
export function calibratedProbability(meanLogit: number, { temperature, bias }: ModelCard['calibration']): number {
  return 1 / (1 + Math.exp(-(meanLogit / temperature + bias)));
}

export const labelFor = (p: number, threshold: number): Prediction['label'] => (p >= threshold ? 'malignant' : 'benign');

export interface Classifier {
  card: ModelCard;
  /** `<name>@<sha256 prefix>`, shown on screen and stored with every result. */
  modelId: string;
  backend: BackendName;
  threshold: number;
  classifyFile(input: string | Buffer): Promise<Prediction>;
  /** The raw malignant logit of an image under each of `flips`, so that flips can be shared out among workers. */
  flipLogits(input: string | Buffer, flips: readonly Flip[]): Promise<number[]>;
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

export async function loadClassifier({ tf, modelDir, backend: request }: LoadOptions): Promise<Classifier> {
  const [folder, card] = await Promise.all([readLayersFolder(modelDir), readModelCard(modelDir)]);
  if (folder.weightsSha256 !== card.weights_sha256) {
    throw new ModelFolderError(
      `The weights in ${modelDir} do not match the checksum in its model card, so the model may be corrupt or altered; refusing to use it.`,
    );
  }
  const backend = await selectBackend(tf, request);
  let model: TF.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(folder.artifacts));
  } catch (error) {
    throw new ModelFolderError(`The model in ${modelDir} could not be built (${(error as Error).message.split('\n')[0]}).`);
  }
  const size = card.input.size;

  /** Logits of every input under every flip, [flip][input], from one forward pass: fewer, larger kernel calls. */
  function logitsPerFlip(inputs: Float32Array[], flips: readonly Flip[]): number[][] {
    return tf.tidy(() => {
      const flat = new Float32Array(inputs.length * size * size * 3);
      inputs.forEach((input, i) => flat.set(input, i * input.length));
      const batch = tf.tensor4d(flat, [inputs.length, size, size, 3]);
      const flipped = tf.concat(flips.map((flip) => flipBatch(tf, batch, flip)));
      return (model.predict(flipped) as TF.Tensor).reshape([flips.length, inputs.length]).arraySync() as number[][];
    });
  }
  function meanLogits(inputs: Float32Array[]): number[] {
    const perFlip = logitsPerFlip(inputs, card.test_time_flips);
    return inputs.map((_, i) => perFlip.reduce((sum, logits) => sum + logits[i]!, 0) / perFlip.length);
  }
  const predictPixels = (inputs: Float32Array[]) => meanLogits(inputs).map((logit) => calibratedProbability(logit, card.calibration));

  predictPixels([new Float32Array(size * size * 3)]); // warm-up: the first call compiles kernels

  return {
    card,
    modelId: `${card.name}@${card.weights_sha256.slice(0, 12)}`,
    backend,
    threshold: card.threshold,
    meanLogits,
    predictPixels,
    async classifyFile(input) {
      const started = performance.now();
      const pixels = await preprocessImage(input, card.input);
      const [p] = predictPixels([pixels]);
      return { p_malignant: p!, label: labelFor(p!, card.threshold), ms: performance.now() - started };
    },
    async flipLogits(input, flips) {
      const pixels = await preprocessImage(input, card.input);
      return logitsPerFlip([pixels], flips).map(([logit]) => logit!);
    },
    dispose: () => model.dispose(),
  };
}
