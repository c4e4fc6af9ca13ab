import { CACHED_TAPS, FLIPS, tapName, type FeatureTap, type Flip } from '../../src/classifier/features.js';
import type { ImageSet, LabelledImage } from './datasets.js';
import { readCachedFeatures } from './featureCache.js';

/** Pooled features of a set of images, one matrix (rows = images) per flip. */
export interface FeatureMatrix {
  rows: number;
  dims: number;
  byFlip: Partial<Record<Flip, Float32Array>>;
  malignant: boolean[];
  groups: string[];
  ids: string[];
}

export function loadFeatureMatrix(cacheDir: string, baseKey: string, set: ImageSet, images: LabelledImage[]): FeatureMatrix {
  const byFlip: FeatureMatrix['byFlip'] = {};
  let dims = 0;
  for (const flip of FLIPS) {
    const cached = readCachedFeatures(cacheDir, baseKey, { set, flip, images });
    if (!cached) continue;
    byFlip[flip] = cached.values;
    dims = cached.dims;
  }
  if (!byFlip.none) throw new Error(`features of ${set} are not cached yet; run scripts/extract-features.ts`);
  return {
    rows: images.length,
    dims,
    byFlip,
    malignant: images.map((image) => image.label === 'malignant'),
    groups: images.map((image) => image.group),
    ids: images.map((image) => image.id),
  };
}

/** Keeps the columns of the chosen taps; `channels` gives each cached tap's width (its layer's channels). */
export function selectTaps(matrix: FeatureMatrix, taps: readonly FeatureTap[], channels: (tap: FeatureTap) => number): FeatureMatrix {
  const offsets: number[] = [];
  CACHED_TAPS.reduce((offset, tap) => (offsets.push(offset), offset + channels(tap)), 0);
  const blocks = taps.map((tap) => {
    const index = CACHED_TAPS.findIndex((cached) => tapName(cached) === tapName(tap));
    if (index < 0) throw new Error(`tap ${tapName(tap)} is not in the feature cache`);
    return { from: offsets[index]!, width: channels(tap) };
  });
  const dims = blocks.reduce((sum, block) => sum + block.width, 0);
  const byFlip: FeatureMatrix['byFlip'] = {};
  for (const [flip, values] of Object.entries(matrix.byFlip) as [Flip, Float32Array][]) {
    const out = new Float32Array(matrix.rows * dims);
    for (let row = 0; row < matrix.rows; row++) {
      let to = row * dims;
      for (const block of blocks) {
        const from = row * matrix.dims + block.from;
        out.set(values.subarray(from, from + block.width), to);
        to += block.width;
      }
    }
    byFlip[flip] = out;
  }
  return { ...matrix, dims, byFlip };
}

export function concatMatrices(parts: FeatureMatrix[]): FeatureMatrix {
  const dims = parts[0]!.dims;
  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const byFlip: FeatureMatrix['byFlip'] = {};
  for (const flip of FLIPS) {
    if (!parts.every((part) => part.byFlip[flip])) continue;
    const out = new Float32Array(rows * dims);
    let offset = 0;
    for (const part of parts) {
      out.set(part.byFlip[flip]!, offset);
      offset += part.byFlip[flip]!.length;
    }
    byFlip[flip] = out;
  }
  return {
    rows,
    dims,
    byFlip,
    malignant: parts.flatMap((part) => part.malignant),
    groups: parts.flatMap((part) => part.groups),
    ids: parts.flatMap((part) => part.ids),
  };
}

export function subsetRows(matrix: FeatureMatrix, rows: number[]): FeatureMatrix {
  const byFlip: FeatureMatrix['byFlip'] = {};
  for (const [flip, values] of Object.entries(matrix.byFlip) as [Flip, Float32Array][]) {
    const out = new Float32Array(rows.length * matrix.dims);
    rows.forEach((row, i) => out.set(values.subarray(row * matrix.dims, (row + 1) * matrix.dims), i * matrix.dims));
    byFlip[flip] = out;
  }
  return {
    rows: rows.length,
    dims: matrix.dims,
    byFlip,
    malignant: rows.map((row) => matrix.malignant[row]!),
    groups: rows.map((row) => matrix.groups[row]!),
    ids: rows.map((row) => matrix.ids[row]!),
  };
}

/** Per-column mean and standard deviation over the un-flipped rows (training data only). */
export interface Standardisation {
  mean: Float32Array;
  std: Float32Array;
}

export function fitStandardisation(matrix: FeatureMatrix): Standardisation {
  const values = matrix.byFlip.none!;
  const mean = new Float32Array(matrix.dims);
  const std = new Float32Array(matrix.dims);
  for (let row = 0; row < matrix.rows; row++) for (let c = 0; c < matrix.dims; c++) mean[c]! += values[row * matrix.dims + c]! / matrix.rows;
  for (let row = 0; row < matrix.rows; row++)
    for (let c = 0; c < matrix.dims; c++) std[c]! += (values[row * matrix.dims + c]! - mean[c]!) ** 2 / matrix.rows;
  for (let c = 0; c < matrix.dims; c++) std[c] = Math.sqrt(std[c]!) + 1e-3;
  return { mean, std };
}

export function standardise(matrix: FeatureMatrix, s: Standardisation): FeatureMatrix {
  const byFlip: FeatureMatrix['byFlip'] = {};
  for (const [flip, values] of Object.entries(matrix.byFlip) as [Flip, Float32Array][]) {
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const c = i % matrix.dims;
      out[i] = (values[i]! - s.mean[c]!) / s.std[c]!;
    }
    byFlip[flip] = out;
  }
  return { ...matrix, byFlip };
}

/**
 * K folds over the rows, disjoint by group (lesion) and stratified by label: groups are
 * shuffled with the seed and dealt out per label in turn.
 */
export function groupFolds(matrix: FeatureMatrix, k: number, random: () => number): number[][] {
  const groupRows = new Map<string, number[]>();
  matrix.groups.forEach((group, row) => {
    const rows = groupRows.get(group);
    if (rows) rows.push(row);
    else groupRows.set(group, [row]);
  });
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const malignant of [false, true]) {
    const groups = [...groupRows.values()].filter((rows) => matrix.malignant[rows[0]!] === malignant);
    shuffleInPlace(groups, random);
    groups.forEach((rows, i) => folds[i % k]!.push(...rows));
  }
  return folds;
}

export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
