import type * as TF from '@tensorflow/tfjs';
import { BackendError, type BackendName } from '../../src/classifier/backend.js';
import { loadClassifier, readVerifiedModel } from '../../src/classifier/classifier.js';
import { FLIP_SETS, type Flip } from '../../src/classifier/features.js';
import { openNetwork } from '../../src/classifier/openNetwork.js';
import { preprocessImage } from '../../src/classifier/preprocess.js';
import { quantile } from './quantile.js';

const RUNS = 30;
/** The backends a capture may run on here: ONNX Runtime where installed, and the portable WebAssembly one. */
const MEASURED: readonly BackendName[] = ['onnx', 'wasm'];

const summary = (values: number[]) => ({ p50: quantile(values, 0.5), p95: quantile(values, 0.95), runs: values.length });
type Summary = ReturnType<typeof summary>;

export interface BackendLatency {
  /** The classifier's whole path for a still: decode, quality gate, the model under the card's flips, "not a lesion" distance. */
  capture_ms: Summary;
  /** One forward pass on an already prepared input, batch 1, under 1, 2 and 4 test-time flips (the flips ride in the batch). */
  forward_ms_by_flips: Record<'1' | '2' | '4', Summary>;
}

/**
 * What one capture costs in one process, on each backend present, and what more test-time flips
 * would cost, so that the card can show the flips' gain in AUC (training.test_time_flips_on_val)
 * against their price in time.
 */
export async function measureLatency(tf: () => Promise<typeof TF>, modelDir: string, files: string[]): Promise<{ by_backend: Partial<Record<BackendName, BackendLatency>>; note: string }> {
  const { folder, card } = await readVerifiedModel(modelDir);
  const pixels = await preprocessImage(files[0]!, card.input);
  const byBackend: Partial<Record<BackendName, BackendLatency>> = {};
  for (const backend of MEASURED) {
    let classifier;
    try {
      classifier = await loadClassifier({ tf, modelDir, backend });
    } catch (error) {
      if (error instanceof BackendError) continue; // not on this machine
      throw error;
    }
    const capture: number[] = [];
    for (let run = 0; run < RUNS; run++) capture.push((await classifier.classifyFile(files[run % files.length]!)).ms);
    classifier.dispose();
    const { network } = await openNetwork({ request: backend, modelDir, folder, card, tf });
    const forward = {} as BackendLatency['forward_ms_by_flips'];
    for (const [count, flips] of Object.entries(FLIP_SETS) as ['1' | '2' | '4', readonly Flip[]][]) {
      await network.run([pixels], flips); // warm-up for this batch size
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        await network.run([pixels], flips);
        times.push(performance.now() - started);
      }
      forward[count] = summary(times);
    }
    network.dispose();
    byBackend[backend] = { capture_ms: summary(capture), forward_ms_by_flips: forward };
  }
  return { by_backend: byBackend, note: 'one process; ONNX Runtime on its own thread pool, WebAssembly on one thread' };
}
