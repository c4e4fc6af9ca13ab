import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { toFloat16 } from '../../src/classifier/float16.js';

/**
 * Depthwise kernels and BatchNorm parameters stay float32. Rounded to float16 after fine-tuning,
 * they moved logits by up to 0.065 (measured on 64 HAM val images under four flips), past the
 * parity limit of 0.05; kept float32, the largest difference was 0.031, for about 140 KB more.
 */
export const FLOAT32_WEIGHTS = (weightName: string) => /^conv_dw_\d+\/|_bn\//.test(weightName);

/**
 * Writes model.json + one weights file; returns the weights' sha256 and size in bytes. In float16,
 * the weights that `keepFloat32` names stay float32 (see FLOAT32_WEIGHTS).
 */
export async function saveModelFolder(
  model: TF.LayersModel,
  dir: string,
  dtype: 'float16' | 'float32',
  keepFloat32: (weightName: string) => boolean = () => false,
): Promise<{ sha256: string; bytes: number }> {
  let result = { sha256: '', bytes: 0 };
  await model.save({
    save: async (artifacts) => {
      const float32 = new Float32Array(artifacts.weightData as ArrayBuffer);
      const parts: Buffer[] = [];
      let offset = 0;
      const weights = (artifacts.weightSpecs ?? []).map((spec) => {
        const values = float32.subarray(offset, (offset += spec.shape.reduce((product, dim) => product * dim, 1)));
        const half = dtype === 'float16' && !keepFloat32(spec.name);
        const stored = half ? toFloat16(values) : values;
        parts.push(Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength));
        return half ? { ...spec, quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const } } : spec;
      });
      const bytes = Buffer.concat(parts);
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
