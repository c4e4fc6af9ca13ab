import type * as TF from '@tensorflow/tfjs';
import { judgeQuality } from '../quality/gate.js';
import { measureQuality } from '../quality/measure.js';
import { selectBackend, type BackendName, type BackendRequest } from './backend.js';
import { calibratedProbability, decide, type Decision, type FlipAnalysis } from './decision.js';
import { flipBatch, type Flip } from './features.js';
import { readLayersFolder, ModelFolderError } from './layersFolder.js';
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

export async function loadClassifier({ tf, modelDir, backend: request }: LoadOptions): Promise<Classifier> {
  const [folder, card] = await Promise.all([readLayersFolder(modelDir), readModelCard(modelDir)]);
  if (folder.weightsSha256 !== card.weights_sha256) {
    throw new ModelFolderError(
      `The weights in ${modelDir} do not match the checksum in its model card, so the model may be corrupt or altered; refusing to use it.`,
    );
  }
  const gaussian: GaussianModel | undefined = card.out_of_distribution ? await readGaussian(modelDir, card.out_of_distribution) : undefined;
  const backend = await selectBackend(tf, request);
  let network: TF.LayersModel;
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory(folder.artifacts));
    // with a "not a lesion" check, the network also hands out the layer the check looks at
    network = card.out_of_distribution
      ? tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, model.getLayer(card.out_of_distribution.layer).output as TF.SymbolicTensor] })
      : model;
  } catch (error) {
    throw new ModelFolderError(`The model in ${modelDir} could not be built (${(error as Error).message.split('\n')[0]}).`);
  }
  const size = card.input.size;

  /** Every input under every flip in one forward pass (fewer, larger kernel calls); rows are [flip][input]. */
  function run(inputs: Float32Array[], flips: readonly Flip[]): { logits: number[][]; distances?: number[][] } {
    return tf.tidy(() => {
      const flat = new Float32Array(inputs.length * size * size * 3);
      inputs.forEach((input, i) => flat.set(input, i * input.length));
      const batch = tf.tensor4d(flat, [inputs.length, size, size, 3]);
      const flipped = tf.concat(flips.map((flip) => flipBatch(tf, batch, flip)));
      const outputs = network.predict(flipped);
      const [logits, hidden] = Array.isArray(outputs) ? outputs : [outputs];
      const byFlip = (values: TF.Tensor) => values.reshape([flips.length, inputs.length]).arraySync() as number[][];
      return {
        logits: byFlip(logits!),
        distances: hidden && gaussian ? byFlip(mahalanobis(tf, hidden as TF.Tensor2D, gaussian)) : undefined,
      };
    });
  }
  function meanLogits(inputs: Float32Array[]): number[] {
    const { logits } = run(inputs, card.test_time_flips);
    return inputs.map((_, i) => logits.reduce((sum, row) => sum + row[i]!, 0) / logits.length);
  }
  const predictPixels = (inputs: Float32Array[]) => meanLogits(inputs).map((logit) => calibratedProbability(logit, card.calibration));
  async function analyse(input: string | Buffer, flips: readonly Flip[], withQuality: boolean): Promise<FlipAnalysis> {
    // preprocessing first: it is what refuses an unreadable file, in a sentence for the operator
    const pixels = await preprocessImage(input, card.input);
    const quality = withQuality ? await measureQuality(input) : undefined;
    const { logits, distances } = run([pixels], flips);
    return {
      logits: logits.map(([logit]) => logit!),
      distances: distances?.map(([distance]) => distance!),
      qualityReasons: quality && judgeQuality(quality).reasons,
    };
  }

  predictPixels([new Float32Array(size * size * 3)]); // warm-up: the first call compiles kernels

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
