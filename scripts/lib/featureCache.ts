import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Flip } from '../../src/classifier/features.js';
import type { ImageSet, LabelledImage } from './datasets.js';

/** Bumped when preprocessing or the tap list changes, so stale caches are not reused. */
export const FEATURE_CACHE_VERSION = 1;

export interface FeatureJob {
  set: ImageSet;
  flip: Flip;
  images: LabelledImage[];
}

export interface CachedFeatures {
  ids: string[];
  dims: number;
  values: Float32Array;
}

/** Cache files are keyed by base model (name + weights checksum), image list and flip. */
export function featureCachePaths(cacheDir: string, baseKey: string, job: FeatureJob) {
  const listHash = createHash('sha256')
    .update(`${FEATURE_CACHE_VERSION}\n${job.images.map((image) => image.id).join('\n')}`)
    .digest('hex')
    .slice(0, 10);
  const stem = path.join(cacheDir, baseKey, `${job.set}-${listHash}.${job.flip}`);
  return { values: `${stem}.f32`, meta: `${stem}.json`, lock: `${stem}.lock` };
}

export function readCachedFeatures(cacheDir: string, baseKey: string, job: FeatureJob): CachedFeatures | undefined {
  const paths = featureCachePaths(cacheDir, baseKey, job);
  if (!existsSync(paths.meta) || !existsSync(paths.values)) return undefined;
  const meta = JSON.parse(readFileSync(paths.meta, 'utf8')) as { ids: string[]; dims: number };
  const bytes = readFileSync(paths.values);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (values.length !== meta.ids.length * meta.dims) return undefined;
  return { ids: meta.ids, dims: meta.dims, values };
}

export function writeCachedFeatures(cacheDir: string, baseKey: string, job: FeatureJob, features: CachedFeatures): void {
  const paths = featureCachePaths(cacheDir, baseKey, job);
  mkdirSync(path.dirname(paths.values), { recursive: true });
  writeFileSync(`${paths.values}.tmp`, Buffer.from(features.values.buffer, features.values.byteOffset, features.values.byteLength));
  renameSync(`${paths.values}.tmp`, paths.values);
  writeFileSync(`${paths.meta}.tmp`, JSON.stringify({ ids: features.ids, dims: features.dims }));
  renameSync(`${paths.meta}.tmp`, paths.meta);
}
