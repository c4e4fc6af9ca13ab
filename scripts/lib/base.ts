import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { readLayersFolder } from '../../src/classifier/layersFolder.js';

/** Loads an ImageNet MobileNet from ../shared/models, keyed by folder name and weights checksum. */
export async function loadBaseModel(tf: typeof TF, dir: string): Promise<{ model: TF.LayersModel; key: string }> {
  const folder = await readLayersFolder(dir);
  const model = await tf.loadLayersModel(tf.io.fromMemory(folder.artifacts));
  return { model, key: `${path.basename(dir)}-${folder.weightsSha256.slice(0, 12)}` };
}
