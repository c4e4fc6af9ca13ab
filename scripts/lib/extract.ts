import { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { CACHED_TAPS, flipBatch, pooledFeatureModel } from '../../src/classifier/features.js';
import { preprocessImage, type InputSpec } from '../../src/classifier/preprocess.js';
import { featureCachePaths, readCachedFeatures, writeCachedFeatures, type FeatureJob } from './featureCache.js';
import { createProgress } from './progress.js';

const BATCH = 16;

/**
 * Computes the pooled base features of every job not cached yet. Several processes may run
 * this over the same job list: each claims a job with an exclusive lock file.
 */
export async function extractMissingFeatures(
  tf: typeof TF,
  base: TF.LayersModel,
  input: InputSpec,
  cacheDir: string,
  baseKey: string,
  jobs: FeatureJob[],
  log: (line: string) => void,
): Promise<void> {
  const featureModel = pooledFeatureModel(tf, base, CACHED_TAPS);
  const dims = (featureModel.outputs[0]!.shape as number[])[1]!;
  for (const job of jobs) {
    if (readCachedFeatures(cacheDir, baseKey, job)) continue;
    const { lock } = featureCachePaths(cacheDir, baseKey, job);
    mkdirSync(path.dirname(lock), { recursive: true });
    let lockFd: number;
    try {
      lockFd = openSync(lock, 'wx');
    } catch {
      continue; // another worker has it
    }
    try {
      const started = Date.now();
      const values = new Float32Array(job.images.length * dims);
      const progress = createProgress(`features ${job.set} flip=${job.flip}`, job.images.length);
      for (let start = 0; start < job.images.length; start += BATCH) {
        const batchImages = job.images.slice(start, start + BATCH);
        const pixels = await Promise.all(batchImages.map((image) => preprocessImage(image.file, input)));
        const batchValues = tf.tidy(() => {
          const flat = new Float32Array(pixels.length * input.size * input.size * 3);
          pixels.forEach((p, i) => flat.set(p, i * p.length));
          const batch = tf.tensor4d(flat, [pixels.length, input.size, input.size, 3]);
          return (featureModel.predict(flipBatch(tf, batch, job.flip)) as TF.Tensor).dataSync() as Float32Array;
        });
        values.set(batchValues, start * dims);
        progress.tick(batchImages.length);
      }
      progress.finish();
      writeCachedFeatures(cacheDir, baseKey, job, { ids: job.images.map((image) => image.id), dims, values });
      log(`features ${job.set} flip=${job.flip}: ${job.images.length} images in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } finally {
      closeSync(lockFd);
      unlinkSync(lock);
    }
  }
}
