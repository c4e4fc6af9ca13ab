import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { toFloat16 } from './float16.js';

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
