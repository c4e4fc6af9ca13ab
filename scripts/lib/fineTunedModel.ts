import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { HEAD_TAPS, pooledTapOutputs } from '../../src/classifier/features.js';
import { readLayersFolder } from '../../src/classifier/layersFolder.js';

/** The names the exported head layers go by. */
export const HIDDEN_LAYER = 'head_hidden';
export const LOGIT_LAYER = 'head_logit';
/**
 * The layer the "not a lesion" Gaussian watches: the average-pooled conv_pw_9. For v2 it was
 * conv_pw_11 (it rejected all 33 of scikit-image's photos; the head's hidden layer 27%). The v3
 * network, trained on pictures with painted frames and markings, moved it: with a Gaussian over
 * 1,200 + 1,200 training pictures and 600 + 600 framed ones, at 99% of 700 HAM val images
 * passed, conv_pw_9 rejected 32 of the 33 photos, conv_pw_10 31, conv_pw_11 23, conv_pw_12 25,
 * and each let every HAM val picture with a black field (radius 1.0) through (val and photos only).
 */
export const OOD_LAYER = 'conv_pw_9_relu_avg_pool';

/** What scripts/finetune.py writes next to its checkpoints (export.json + export.bin). */
export interface FineTuneExport {
  input_size: number;
  hidden: number;
  mode: string;
  augment: string;
  /** finetune.py's description of its recipe, with its rates; whether it adds sensor noise; the chance of the pixel cache's JPEG copy. */
  augmentation: { text: string; sensor_noise: boolean; jpeg_copy_rate: number };
  distilled: boolean;
  best: { epoch: number; weights: 'raw' | 'ema'; ham_val_auc: number; isic_val_auc: number };
  history: Record<string, number>[];
  test_time_flips: Record<string, { ham_val_auc: number; isic_val_auc: number }>;
  weights: { name: string; shape: number[]; offset: number }[];
  parity: { set: string; ids: string[]; logits_by_flip: Record<string, number[]> };
}

export function readFineTuneExport(runDir: string): { summary: FineTuneExport; weights: Map<string, Float32Array> } {
  const summary = JSON.parse(readFileSync(path.join(runDir, 'export.json'), 'utf8')) as FineTuneExport;
  const bin = readFileSync(path.join(runDir, 'export.bin'));
  const weights = new Map<string, Float32Array>();
  for (const { name, shape, offset } of summary.weights) {
    const count = shape.reduce((product, dim) => product * dim, 1);
    weights.set(name, new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * count)));
  }
  return { summary, weights };
}

/**
 * The app's topology (MobileNet -> pooled taps -> dense relu -> dense logit) at the fine-tuned
 * input size, carrying the fine-tuned weights. The ImageNet folder gives the layer graph; every
 * weight it holds is replaced, and a weight that the export lacks stops the build.
 */
export async function buildFineTunedModel(
  tf: typeof TF,
  baseDir: string,
  summary: FineTuneExport,
  weights: Map<string, Float32Array>,
): Promise<TF.LayersModel> {
  const { artifacts } = await readLayersFolder(baseDir);
  const topology = structuredClone(artifacts.modelTopology) as { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
  const input = topology.model_config.config.layers.find((layer) => layer.class_name === 'InputLayer')!;
  input.config.batch_input_shape = [null, summary.input_size, summary.input_size, 3];
  const base = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));

  const pooled = pooledTapOutputs(tf, base, HEAD_TAPS);
  const features = tf.layers.concatenate({ name: 'features' }).apply(pooled) as TF.SymbolicTensor;
  const hidden = tf.layers.dense({ units: summary.hidden, activation: 'relu', name: HIDDEN_LAYER }).apply(features) as TF.SymbolicTensor;
  const logit = tf.layers.dense({ units: 1, activation: 'linear', name: LOGIT_LAYER }).apply(hidden) as TF.SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: logit, name: 'dermacam' });

  for (const variable of model.weights) {
    const values = weights.get(variable.originalName);
    const shape = variable.shape as number[];
    if (!values) throw new Error(`The fine-tuned export has no weight ${variable.originalName}.`);
    if (values.length !== shape.reduce((product, dim) => product * dim, 1)) {
      throw new Error(`The fine-tuned weight ${variable.originalName} has ${values.length} values where the model needs shape [${shape.join(', ')}].`);
    }
    variable.write(tf.tensor(values, shape));
  }
  return model;
}
