import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedForward } from '../src/classifier/fusedForward.js';
import { readLayersFolder } from '../src/classifier/layersFolder.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { FIXTURES, REPO } from './helpers/paths.js';

const OOD_LAYER = 'conv_pw_11_relu_avg_pool';

describe('the folded forward pass', () => {
  for (const name of ['dermacam-mnv1-075', 'dermacam-mnv1-025']) {
    it(`gives ${name}'s logits and "not a lesion" features as the unfolded layers do`, async () => {
      await tf.setBackend('cpu');
      const modelDir = path.join(REPO, 'models', name);
      const model = await tf.loadLayersModel(tf.io.fromMemory((await readLayersFolder(modelDir)).artifacts));
      const watching = tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, model.getLayer(OOD_LAYER).output as tf.SymbolicTensor] });
      const fused = fusedForward(tf, watching, OOD_LAYER)!;
      expect(fused).toBeDefined();
      const size = (model.inputs[0]!.shape as number[])[1]!;
      const images = await Promise.all(['ISIC_0024323.jpg', 'ISIC_0024358.jpg', 'ISIC_0024360.jpg'].map((file) =>
        preprocessImage(path.join(FIXTURES, file), { size, normalisation: 'mobilenet' })));
      const batch = tf.tensor4d(Float32Array.from(images.flatMap((image) => [...image])), [images.length, size, size, 3]);
      const [layered, layeredFeatures] = watching.predict(batch) as tf.Tensor[];
      const { logits, watched } = fused.run(batch);
      const largest = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      expect(largest(logits, layered!)).toBeLessThan(1e-3);
      expect(largest(watched!, layeredFeatures!)).toBeLessThan(1e-3);
      fused.dispose();
      watching.dispose();
    });
  }
});
