import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { foldLayers } from '../../src/classifier/foldedGraph.js';
import type { LayersFolder } from '../../src/classifier/layersFolder.js';
import type { OnnxSpec } from '../../src/classifier/modelCard.js';
import { buildTfjsNetwork } from '../../src/classifier/network.js';
import { buildOnnxNetwork, importOnnxRuntime } from '../../src/classifier/onnxNetwork.js';
import { parityGap, probeLogits, PROBE_NAME, type ParitySpec } from '../../src/classifier/parity.js';
import { TrainingSetupError } from './finetuneRun.js';
import { ONNX_OPSET, writeOnnx } from './onnxExport.js';

export const ONNX_FILE = 'model.onnx';
/** In logits: float rounding between runtimes stays below 1e-4; a broken kernel moves them by far more. */
export const PARITY_TOLERANCE = 0.01;

/**
 * Exports the model folder's network for ONNX Runtime (folded, as tfjs runs it) and records the
 * parity probe's reference logits: the layer-by-layer tfjs network on the current tfjs backend.
 * Checks the ONNX file against that reference where onnxruntime-node is installed.
 */
export async function exportRuntimes(
  tf: typeof TF,
  folder: LayersFolder,
  modelDir: string,
  { name, watchLayer }: { name: string; watchLayer: string },
): Promise<{ onnx: OnnxSpec; parity: ParitySpec; onnxParityGap?: number }> {
  const graph = foldLayers(folder, watchLayer);
  if (!graph) throw new TrainingSetupError(`The model in ${modelDir} has a topology the ONNX export does not know.`);
  const bytes = writeOnnx(graph, { watchLayer, name });
  writeFileSync(path.join(modelDir, ONNX_FILE), bytes);

  const reference = await buildTfjsNetwork(tf, folder, modelDir, { layerByLayer: true });
  const parity: ParitySpec = {
    probe: PROBE_NAME,
    logits: await probeLogits(reference),
    tolerance: PARITY_TOLERANCE,
    reference: `tfjs ${tf.getBackend()} backend, layer by layer, float32`,
  };
  reference.dispose();

  const ort = await importOnnxRuntime();
  let onnxParityGap: number | undefined;
  if (ort) {
    const network = await buildOnnxNetwork(ort, bytes, graph.inputSize, modelDir, { watch: true });
    onnxParityGap = parityGap(await probeLogits(network), parity);
    network.dispose();
    if (!(onnxParityGap <= PARITY_TOLERANCE)) {
      throw new TrainingSetupError(`The ONNX export of ${modelDir} differs from the tfjs network by ${onnxParityGap} in a logit, so the export is broken.`);
    }
  }
  return { onnx: { file: ONNX_FILE, sha256: createHash('sha256').update(bytes).digest('hex'), opset: ONNX_OPSET }, parity, onnxParityGap };
}
