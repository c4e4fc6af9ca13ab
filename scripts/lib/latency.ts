import type * as TF from '@tensorflow/tfjs';
import type { Classifier } from '../../src/classifier/classifier.js';
import type { LayersFolder } from '../../src/classifier/layersFolder.js';
import { buildTfjsNetwork } from '../../src/classifier/network.js';
import { preprocessImage } from '../../src/classifier/preprocess.js';
import { quantile } from './quantile.js';

const RUNS = 30;

const summary = (values: number[]) => ({ p50: quantile(values, 0.5), p95: quantile(values, 0.95), runs: values.length });

/**
 * What one capture costs in one process, single-threaded: the classifier's whole path for a still
 * (decode, quality gate, model under the card's flips, "not a lesion" distance) against one bare
 * forward pass of the same network on an already prepared input.
 */
export async function measureLatency(tf: typeof TF, classifier: Classifier, folder: LayersFolder, modelDir: string, files: string[]) {
  const capture: number[] = [];
  for (let run = 0; run < RUNS; run++) capture.push((await classifier.classifyFile(files[run % files.length]!)).ms);
  const network = await buildTfjsNetwork(tf, folder, modelDir);
  const pixels = await preprocessImage(files[0]!, classifier.card.input);
  await network.run([pixels], ['none']); // warm-up
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await network.run([pixels], ['none']);
    bare.push(performance.now() - started);
  }
  network.dispose();
  const captureMs = summary(capture);
  const bareMs = summary(bare);
  return {
    backend: classifier.backend,
    capture_ms: captureMs,
    bare_forward_ms: bareMs,
    capture_over_bare_forward: captureMs.p50 / bareMs.p50,
    note: 'one process, one thread; the app shares the flips between two worker threads',
  };
}
