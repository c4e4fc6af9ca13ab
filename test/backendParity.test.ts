import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { activateTfjsBackend } from '../src/classifier/backend.js';
import { readVerifiedModel } from '../src/classifier/classifier.js';
import { FLIPS, flipPixels } from '../src/classifier/features.js';
import { foldLayers } from '../src/classifier/foldedGraph.js';
import { buildTfjsNetwork, type Network, type NetworkOutputs } from '../src/classifier/network.js';
import { buildOnnxNetwork, importOnnxRuntime } from '../src/classifier/onnxNetwork.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { writeOnnx } from '../scripts/lib/onnxExport.js';
import { FIXTURES, REPO } from './helpers/paths.js';

const FIXTURE_FILES = ['ISIC_0024323.jpg', 'ISIC_0024358.jpg', 'ISIC_0024360.jpg'];
const largestGap = (a: NetworkOutputs, b: NetworkOutputs) => {
  const logits = a.logits.flat().map((value, i) => Math.abs(value - b.logits.flat()[i]!));
  const features = a.activations!.flatMap((values, f) => Array.from(values, (value, i) => Math.abs(value - b.activations![f]![i]!)));
  return { logits: Math.max(...logits), features: Math.max(...features) };
};

describe('every backend runs the same network', () => {
  for (const name of ['dermacam-mnv1-075', 'dermacam-mnv1-025']) {
    it(`${name}: ONNX Runtime, wasm (folded) and cpu (folded) match the layer-by-layer network on the fixtures`, async () => {
      const modelDir = path.join(REPO, 'models', name);
      const { folder, card } = await readVerifiedModel(modelDir);
      const watchLayer = card.out_of_distribution.layer;
      const images = await Promise.all(FIXTURE_FILES.map((file) => preprocessImage(path.join(FIXTURES, file), card.input)));
      const outputsOf = async (network: Network) => {
        const outputs = await network.run(images, ['none', 'hv']);
        network.dispose();
        return outputs;
      };
      await activateTfjsBackend(tf, 'cpu');
      const reference = await outputsOf(await buildTfjsNetwork(tf, folder, modelDir, { watchLayer, layerByLayer: true }));
      const cpu = await outputsOf(await buildTfjsNetwork(tf, folder, modelDir, { watchLayer }));
      await activateTfjsBackend(tf, 'wasm');
      const wasm = await outputsOf(await buildTfjsNetwork(tf, folder, modelDir, { watchLayer }));
      const ort = await importOnnxRuntime();
      expect(ort, 'onnxruntime-node is installed by npm ci (an optional dependency with a build for linux x64)').toBeDefined();
      const onnx = await outputsOf(await buildOnnxNetwork(ort!, readFileSync(path.join(modelDir, card.onnx!.file)), card.input.size, modelDir, { watch: true }));
      for (const outputs of [cpu, wasm, onnx]) {
        const gap = largestGap(outputs, reference);
        expect(gap.logits).toBeLessThan(1e-3);
        expect(gap.features).toBeLessThan(1e-3);
      }
      // the flips are real: the flipped picture gives other logits
      expect(Math.abs(reference.logits[0]![0]! - reference.logits[1]![0]!)).toBeGreaterThan(1e-4);
    });

    it(`${name}: the committed model.onnx is what the export writes from the tfjs weights`, async () => {
      const modelDir = path.join(REPO, 'models', name);
      const { folder, card } = await readVerifiedModel(modelDir);
      const graph = foldLayers(folder, card.out_of_distribution.layer)!;
      const exported = writeOnnx(graph, { watchLayer: card.out_of_distribution.layer, name: card.name });
      expect(Buffer.from(exported).equals(readFileSync(path.join(modelDir, card.onnx!.file)))).toBe(true);
    });
  }

  it('flips pixels as tf.reverse flips a tensor', () => {
    const size = 5;
    const pixels = Float32Array.from({ length: size * size * 3 }, (_, i) => i);
    const image = tf.tensor4d(pixels, [1, size, size, 3]);
    for (const flip of FLIPS) {
      const axes = { none: [], h: [2], v: [1], hv: [1, 2] }[flip];
      expect(Array.from(flipPixels(pixels, size, flip))).toEqual(Array.from(tf.reverse(image, axes).dataSync()));
    }
  });
});
