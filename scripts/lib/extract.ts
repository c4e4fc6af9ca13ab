import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { CACHED_TAPS, flipBatch, pooledFeatureModel } from '../../src/classifier/features.js';
import { preprocessImage, type InputSpec } from '../../src/classifier/preprocess.js';
import { featureCachePaths, readCachedFeatures, writeCachedFeatures, type FeatureJob } from './featureCache.js';
import { createProgress } from './progress.js';

const BATCH = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Computes the pooled base features of every job not cached yet. Several processes may run
 * this over the same job list: each claims a job with a lock file holding its pid, waits for
 * jobs that live workers hold, and takes over those of dead ones.
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
  const missing = () => jobs.filter((job) => !readCachedFeatures(cacheDir, baseKey, job));
  for (let pending = missing(); pending.length > 0; pending = missing()) {
    let claimedAny = false;
    for (const job of pending) {
      const lock = claim(featureCachePaths(cacheDir, baseKey, job).lock);
      if (lock === undefined) continue;
      claimedAny = true;
      if (readCachedFeatures(cacheDir, baseKey, job)) {
        release(lock); // another worker finished it since the list was made
        continue;
      }
      try {
        await extractJob(job);
      } finally {
        release(lock);
      }
    }
    if (!claimedAny) await sleep(5000);
  }
  // featureModel shares its layers (and weights) with `base`, which the caller still uses: no dispose

  async function extractJob(job: FeatureJob): Promise<void> {
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
  }
}

/** Takes a job's lock file, or returns undefined when a live process holds it. */
function claim(lockPath: string): { fd: number; path: string } | undefined {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      return { fd, path: lockPath };
    } catch {
      if (holderIsAlive(lockPath)) return undefined;
      unlinkSync(lockPath); // left behind by a worker that died
    }
  }
  return undefined;
}

function release(lock: { fd: number; path: string }): void {
  closeSync(lock.fd);
  unlinkSync(lock.path);
}

function holderIsAlive(lockPath: string): boolean {
  if (!existsSync(lockPath)) return false;
  const pid = Number(readFileSync(lockPath, 'utf8'));
  if (!pid) return true; // being written right now
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
