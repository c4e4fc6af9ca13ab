import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { pooledTapOutputs, type FeatureTap } from '../../src/classifier/features.js';
import { toFloat16 } from './float16.js';
import type { Standardisation } from './trainData.js';

/**
 * The shipped classifier as one graph: the frozen MobileNet up to the deepest tap, the pooled
 * taps, and the trained head with the feature standardisation folded into its first layer.
 */
export function buildShippedModel(
  tf: typeof TF,
  base: TF.LayersModel,
  taps: FeatureTap[],
  standardisation: Standardisation,
  head: TF.Sequential,
): TF.LayersModel {
  const pooled = pooledTapOutputs(tf, base, taps);
  let x = pooled.length === 1 ? pooled[0]! : (tf.layers.concatenate({ name: 'features' }).apply(pooled) as TF.SymbolicTensor);
  const denseLayers = head.layers.filter((layer) => layer.getClassName() === 'Dense');
  denseLayers.forEach((layer, index) => {
    const config = layer.getConfig() as { units: number; activation: string; name: string };
    const dense = tf.layers.dense({ units: config.units, activation: config.activation as 'relu' | 'linear', name: config.name });
    x = dense.apply(x) as TF.SymbolicTensor;
    const [kernel, bias] = layer.getWeights() as [TF.Tensor2D, TF.Tensor1D];
    dense.setWeights(index === 0 ? foldStandardisation(tf, kernel, bias, standardisation) : [kernel, bias]);
  });
  return tf.model({ inputs: base.inputs, outputs: x, name: 'dermacam' });
}

/** W' = W / std (per input row), b' = b - (mean / std) W: the head then takes raw pooled features. */
function foldStandardisation(tf: typeof TF, kernel: TF.Tensor2D, bias: TF.Tensor1D, s: Standardisation): TF.Tensor[] {
  return tf.tidy(() => {
    const inverseStd = tf.tensor2d(s.std, [s.std.length, 1]).reciprocal();
    const folded = kernel.mul(inverseStd);
    const shift = tf.matMul(tf.tensor2d(s.mean, [1, s.mean.length]), folded).reshape([-1]);
    return [folded, bias.sub(shift)];
  });
}

/** Writes model.json + one weights file; returns the weights' sha256 and size in bytes. */
export async function saveModelFolder(
  model: TF.LayersModel,
  dir: string,
  dtype: 'float16' | 'float32',
): Promise<{ sha256: string; bytes: number }> {
  let result = { sha256: '', bytes: 0 };
  await model.save({
    save: async (artifacts) => {
      const float32 = new Float32Array(artifacts.weightData as ArrayBuffer);
      const stored = dtype === 'float16' ? toFloat16(float32) : float32;
      const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      const weights = (artifacts.weightSpecs ?? []).map((spec) =>
        dtype === 'float16' ? { ...spec, quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const } } : spec,
      );
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'weights.bin'), bytes);
      writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: 'dermacam scripts/train.ts',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights }],
        }),
      );
      result = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  return result;
}
