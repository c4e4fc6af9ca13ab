import type * as TF from '@tensorflow/tfjs';
import { flipBatch, type Flip } from './features.js';
import { fusedForward } from './fusedForward.js';
import { ModelFolderError, type LayersFolder } from './layersFolder.js';

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
  run(inputs: Float32Array[], flips: readonly Flip[]): { logits: number[][]; activations?: Float32Array[] };
  dispose(): void;
}

export async function buildNetwork(tf: typeof TF, folder: LayersFolder, source: string, watchLayer?: string): Promise<Network> {
  let network: TF.LayersModel;
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory(folder.artifacts));
    network = watchLayer
      ? tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, model.getLayer(watchLayer).output as TF.SymbolicTensor] })
      : model;
  } catch (error) {
    throw new ModelFolderError(`The model in ${source} could not be built (${(error as Error).message.split('\n')[0]}).`);
  }
  const inputSize = (network.inputs[0]!.shape as number[])[1]!;
  // the folded network when the topology allows (every shipped model), layer by layer otherwise
  const fused = fusedForward(tf, network, watchLayer);
  const forward = (batch: TF.Tensor4D) => {
    if (fused) return fused.run(batch);
    const outputs = network.predict(batch);
    const [logits, watched] = Array.isArray(outputs) ? outputs : [outputs];
    return { logits: logits!, watched };
  };
  return {
    inputSize,
    run(inputs, flips) {
      return tf.tidy(() => {
        const flat = new Float32Array(inputs.length * inputSize * inputSize * 3);
        inputs.forEach((input, i) => flat.set(input, i * input.length));
        const batch = tf.tensor4d(flat, [inputs.length, inputSize, inputSize, 3]);
        const flipped = tf.concat(flips.map((flip) => flipBatch(tf, batch, flip)));
        const { logits, watched } = forward(flipped);
        const byFlip = logits.reshape([flips.length, inputs.length]).arraySync() as number[][];
        if (!watched) return { logits: byFlip };
        const values = watched.dataSync() as Float32Array;
        const perFlip = values.length / flips.length;
        return { logits: byFlip, activations: flips.map((_, f) => values.slice(f * perFlip, (f + 1) * perFlip)) };
      });
    },
    dispose: () => {
      fused?.dispose();
      network.dispose();
    },
  };
}
