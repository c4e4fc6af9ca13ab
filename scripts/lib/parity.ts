import { FLIPS } from '../../src/classifier/features.js';
import type { Network } from '../../src/classifier/network.js';
import type { FineTuneExport } from './fineTunedModel.js';
import { runOnCache } from './networkOnCache.js';
import type { CachedPixelSet } from './pixelCache.js';

/** The pipeline fails when the app's model and PyTorch's disagree by more than this on any logit. */
export const PARITY_LIMIT = 0.05;

export interface ParityResult {
  images: number;
  flips: number;
  maxAbsLogitDifference: number;
  limit: number;
}

/**
 * The exported model, as the app runs it (tfjs, float16 weights), against the logits PyTorch
 * wrote at export for the same cached pixels, under every flip.
 */
export async function checkParity(network: Network, summary: FineTuneExport, val: CachedPixelSet): Promise<ParityResult> {
  const rowOf = new Map(val.index.rows.map((row, i) => [row.id, i]));
  const rows = summary.parity.ids.map((id) => {
    const row = rowOf.get(id);
    if (row === undefined) throw new Error(`The parity image ${id} is not in the pixel cache.`);
    return row;
  });
  const { logits } = await runOnCache(network, val, FLIPS, rows);
  let max = 0;
  FLIPS.forEach((flip, f) => {
    const expected = summary.parity.logits_by_flip[flip];
    if (!expected) throw new Error(`The fine-tuning export has no parity logits for flip ${flip}.`);
    logits[f]!.forEach((logit, i) => (max = Math.max(max, Math.abs(logit - expected[i]!))));
  });
  return { images: rows.length, flips: FLIPS.length, maxAbsLogitDifference: max, limit: PARITY_LIMIT };
}
