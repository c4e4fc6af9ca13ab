/**
 * Whether a picture gets one answer whichever way it reaches the classifier: for each fixture,
 * p(malignant) as `classify` reads the file and as the app gets it through a `file:` camera, and
 * the largest difference (the requirement: 0.005 at most, and the same label).
 *   npx tsx scripts/route-agreement.ts [--model <dir>] [--backend auto|onnx|node|wasm|cpu] [--fixtures <dir>]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import { fileCamera } from '../src/camera/fileCameras.js';
import { loadClassifier, type Prediction } from '../src/classifier/classifier.js';
import { DEFAULT_MODEL_DIR, parseBackend } from '../src/commands/io.js';
import { readRegularFile } from '../src/regularFile.js';

const { values: args } = parseScriptArgs({
  options: {
    model: { type: 'string', default: DEFAULT_MODEL_DIR },
    backend: { type: 'string', default: 'auto' },
    fixtures: { type: 'string', default: '../shared/data/fixtures' },
  },
});
tf.enableProdMode();
const classifier = await loadClassifier({ tf: async () => tf, modelDir: args.model!, backend: parseBackend(args.backend) });
const answer = (prediction: Prediction) =>
  `${(prediction.p_malignant * 100).toFixed(2).padStart(6)}% ${prediction.label.padEnd(9)} ood ${prediction.ood_score?.toFixed(2) ?? '-'}`;

console.log(`model ${classifier.modelId}, backend ${classifier.backend}`);
console.log(`${'fixture'.padEnd(18)} ${'classify'.padEnd(30)} ${'file: camera'.padEnd(30)} |difference|  camera bytes`);
let largest = 0;
let labelsDiffer = 0;
for (const name of readdirSync(args.fixtures!).filter((file) => file.endsWith('.jpg')).sort()) {
  const file = path.join(args.fixtures!, name);
  const bytes = await readRegularFile(file);
  const still = await fileCamera(file).capture();
  const [direct, camera] = [await classifier.classifyFile(bytes), await classifier.classifyFile(still)];
  const difference = Math.abs(direct.p_malignant - camera.p_malignant);
  largest = Math.max(largest, difference);
  if (direct.label !== camera.label) labelsDiffer++;
  const same = still.equals(bytes) ? 'the file as it is' : `re-encoded (${still.length} of ${bytes.length} bytes)`;
  console.log(`${name.padEnd(18)} ${answer(direct).padEnd(30)} ${answer(camera).padEnd(30)} ${difference.toFixed(4).padStart(11)}  ${same}`);
}
classifier.dispose();
console.log(`largest |difference| in p(malignant): ${largest.toFixed(4)}; labels that differ: ${labelsDiffer}`);
