import { createHash } from 'node:crypto';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { ABSENT, activateTfjsBackend, AUTO_ORDER, BackendError, type BackendName, type BackendRequest } from './backend.js';
import type { LayersFolder } from './layersFolder.js';
import { MAX_MODEL_DATA_BYTES, ModelFolderError, readModelFile } from './modelFile.js';
import type { ModelCard, OnnxSpec } from './modelCard.js';
import { buildTfjsNetwork, type Network } from './network.js';
import { buildOnnxNetwork, loadOnnxRuntime } from './onnxNetwork.js';
import { parityGap, probeLogits } from './parity.js';

export interface OpenNetworkOptions {
  request: BackendRequest;
  modelDir: string;
  folder: LayersFolder;
  card: ModelCard;
  /** TensorFlow.js, loaded only when a tfjs backend is tried: the ONNX path never imports it. */
  tf: () => Promise<typeof TF>;
  watchLayer?: string;
}

export interface OpenedNetwork {
  network: Network;
  backend: BackendName;
  /** Why `auto` passed over the faster backends before the one it picked, one sentence each. */
  skipped: string[];
  /** The largest gap between this backend's probe logits and the card's reference (absent: the card has none). */
  parityGap?: number;
}

/**
 * Opens the network on the requested backend, or for `auto` on the fastest one that is present
 * and reproduces the card's parity probe. Each backend runs the probe once before it is used (it
 * also warms the kernels up); one whose logits stray from the reference is not used.
 */
export async function openNetwork(options: OpenNetworkOptions): Promise<OpenedNetwork> {
  const candidates = options.request === 'auto' ? AUTO_ORDER : [options.request];
  const skipped: string[] = [];
  for (const backend of candidates) {
    const attempt = await tryBackend(backend, options);
    if ('network' in attempt) return { ...attempt, backend, skipped };
    if (options.request !== 'auto') throw new BackendError(`The ${backend} backend cannot be used: ${attempt.problem}; try --backend auto.`, attempt.problem);
    skipped.push(`${backend}: ${attempt.problem}`);
  }
  throw new BackendError(`No backend can run the model here (${skipped.join('; ')}).`);
}

async function tryBackend(backend: BackendName, options: OpenNetworkOptions): Promise<{ network: Network; parityGap?: number } | { problem: string }> {
  const network = await buildOn(backend, options);
  if (typeof network === 'string') return { problem: network };
  // the probe is also the warm-up: its first run compiles the kernels
  const logits = await probeLogits(network);
  const { parity } = options.card;
  if (!parity) return { network };
  const gap = parityGap(logits, parity);
  // NaN (a broken kernel) fails the comparison as a gap too large does
  if (gap <= parity.tolerance) return { network, parityGap: gap };
  network.dispose();
  return { problem: `its logits differ from the model's reference by ${gap.toPrecision(3)} (tolerance ${parity.tolerance})` };
}

/** The network on one backend, or why that backend is not here. */
async function buildOn(backend: BackendName, { modelDir, folder, card, tf: loadTf, watchLayer }: OpenNetworkOptions): Promise<Network | string> {
  if (backend === 'onnx') {
    if (!card.onnx) return `the model in ${modelDir} has no ONNX export`;
    const loaded = await loadOnnxRuntime();
    if ('problem' in loaded) return loaded.problem;
    return buildOnnxNetwork(loaded.ort, await readOnnxFile(modelDir, card.onnx), card.input.size, modelDir, { watch: watchLayer !== undefined });
  }
  const tf = await loadTf();
  if (!(await activateTfjsBackend(tf, backend))) return ABSENT[backend];
  return buildTfjsNetwork(tf, folder, modelDir, { watchLayer });
}

/** Reads the model folder's ONNX export, refusing one whose checksum does not match the card. */
async function readOnnxFile(modelDir: string, spec: OnnxSpec): Promise<Uint8Array> {
  const bytes = await readModelFile(modelDir, spec.file, {
    what: 'ONNX export',
    maxBytes: MAX_MODEL_DATA_BYTES,
    missing: `The model folder ${modelDir} lacks ${spec.file}, which its card names for the onnx backend.`,
  });
  if (createHash('sha256').update(bytes).digest('hex') !== spec.sha256) {
    throw new ModelFolderError(`${path.join(modelDir, spec.file)} does not match the checksum in the model card, so it may be corrupt or altered; refusing to use it.`);
  }
  return bytes;
}
