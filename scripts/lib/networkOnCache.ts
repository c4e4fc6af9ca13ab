import type { Flip } from '../../src/classifier/features.js';
import type { Network } from '../../src/classifier/network.js';
import type { CachedPixelSet } from './pixelCache.js';
import { createProgress } from './progress.js';

const BATCH = 16;

/** The network's logits per flip ([flip][row]) and watched-layer activations per row (mean over flips not taken). */
export interface CachedOutputs {
  logits: number[][];
  /** Per flip, rows x units: only when the network watches a layer. */
  activations?: Float32Array[];
}

/** Runs the network over some rows of a cached set (default: all) under the given flips. */
export async function runOnCache(network: Network, set: CachedPixelSet, flips: readonly Flip[], rows?: number[], label?: string): Promise<CachedOutputs> {
  const which = rows ?? set.index.rows.map((_, i) => i);
  const logits: number[][] = flips.map(() => []);
  const chunks: Float32Array[][] = flips.map(() => []);
  const progress = label ? createProgress(label, which.length) : undefined;
  for (let start = 0; start < which.length; start += BATCH) {
    const batch = which.slice(start, start + BATCH);
    const out = await network.run(batch.map((row) => set.input(row)), flips);
    out.logits.forEach((row, f) => logits[f]!.push(...row));
    out.activations?.forEach((values, f) => chunks[f]!.push(values));
    progress?.tick(batch.length);
  }
  progress?.finish();
  const joined = (parts: Float32Array[]) => {
    const all = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    return all;
  };
  return { logits, activations: chunks[0]!.length > 0 ? chunks.map(joined) : undefined };
}

/** Mean over flips of each row's logit. */
export function meanOverFlips(logits: number[][]): number[] {
  return logits[0]!.map((_, i) => logits.reduce((sum, row) => sum + row[i]!, 0) / logits.length);
}
