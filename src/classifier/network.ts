import type * as TF from '@tensorflow/tfjs';
import { flippedBatch, type Flip } from './features.js';
import { foldLayers } from './foldedGraph.js';
import type { LayersFolder } from './layersFolder.js';
import { ModelFolderError } from './modelFile.js';
import { tfjsForward, type Forward } from './tfjsForward.js';

/**
 * The model's forward pass and nothing else: no card, calibration or decision. The classifier
 * builds on it, and so does the training pipeline before the card exists (parity, calibration,
 * the "not a lesion" fit), so that no script re-implements any part of the network.
 */
export interface Network {
  inputSize: number;
  /**
   * Every input under every flip in one forward pass (fewer, larger kernel calls). `logits` rows
   * are [flip][input]; `activations` (when the network was built with a layer to watch) holds,
   * per flip, that layer's values, inputs x units.
   */
  run(inputs: Float32Array[], flips: readonly Flip[]): Promise<NetworkOutputs>;
  dispose(): void;
}

export interface NetworkOutputs {
  logits: number[][];
  activations?: Float32Array[];
}

/** The refusal of a model whose network takes pictures of another size than its card says, on any backend. */
export const inputSizeMismatch = (source: string, takes: number, cardSays: number) =>
  new ModelFolderError(`The model in ${source} takes ${takes}-pixel pictures where its card says ${cardSays}.`);

/** Splits a batch's outputs, laid out flip by flip (see flippedBatch), into rows per flip. */
export function outputsByFlip(logits: Float32Array, watched: Float32Array | undefined, flips: number): NetworkOutputs {
  const inputs = logits.length / flips;
  const byFlip = Array.from({ length: flips }, (_, f) => Array.from(logits.subarray(f * inputs, (f + 1) * inputs)));
  if (!watched) return { logits: byFlip };
  const perFlip = watched.length / flips;
  return { logits: byFlip, activations: byFlip.map((_, f) => watched.slice(f * perFlip, (f + 1) * perFlip)) };
}

/**
 * The network on a tfjs backend: the folded graph when the topology allows (every shipped model),
 * layer by layer otherwise or when asked for (the reference the folded pass is checked against).
 */
export async function buildTfjsNetwork(
  tf: typeof TF,
  folder: LayersFolder,
  source: string,
  { watchLayer, layerByLayer = false }: { watchLayer?: string; layerByLayer?: boolean } = {},
): Promise<Network> {
  const graph = layerByLayer ? undefined : foldLayers(folder, watchLayer);
  const { forward, inputSize } = graph
    ? { forward: tfjsForward(tf, graph, watchLayer), inputSize: graph.inputSize }
    : await layeredForward(tf, folder, source, watchLayer);
  return {
    inputSize,
    async run(inputs, flips) {
      // tidy frees the batch and every intermediate tensor; only the two outputs outlive it
      const { logits, watched } = tf.tidy(() =>
        forward.run(tf.tensor4d(flippedBatch(inputs, inputSize, flips), [flips.length * inputs.length, inputSize, inputSize, 3])),
      );
      const [logitValues, watchedValues] = await Promise.all([logits.data() as Promise<Float32Array>, watched?.data() as Promise<Float32Array> | undefined]);
      tf.dispose(watched ? [logits, watched] : logits);
      return outputsByFlip(logitValues, watchedValues, flips.length);
    },
    dispose: () => forward.dispose(),
  };
}

async function layeredForward(tf: typeof TF, folder: LayersFolder, source: string, watchLayer?: string): Promise<{ forward: Forward; inputSize: number }> {
  let network: TF.LayersModel;
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory(folder.artifacts));
    network = watchLayer
      ? tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, model.getLayer(watchLayer).output as TF.SymbolicTensor] })
      : model;
  } catch (error) {
    throw new ModelFolderError(`The model in ${source} could not be built (${(error as Error).message.split('\n')[0]}).`);
  }
  const forward: Forward = {
    run(batch) {
      const outputs = network.predict(batch);
      const [logits, watched] = Array.isArray(outputs) ? outputs : [outputs];
      return { logits: logits!, watched };
    },
    dispose: () => network.dispose(),
  };
  return { forward, inputSize: (network.inputs[0]!.shape as number[])[1]! };
}
