/**
 * Exports a trained model folder for ONNX Runtime, records the parity probe in its card, and
 * measures the capture and the test-time flips' cost on each backend into the card's latency:
 * `npx tsx scripts/export-onnx.ts --model models/dermacam-mnv1-075`. `npm run train` runs the
 * same steps; this is for a folder trained before they existed. Nothing else in the card changes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import { activateTfjsBackend } from '../src/classifier/backend.js';
import { readVerifiedModel } from '../src/classifier/classifier.js';
import { CARD_FILE } from '../src/classifier/modelCard.js';
import { isImageName } from '../src/images.js';
import { measureLatency } from './lib/latency.js';
import { exportRuntimes } from './lib/runtimeExport.js';

const FIXTURES = '../shared/data/fixtures';

const { values } = parseScriptArgs({ options: { model: { type: 'string' } } });
if (!values.model) {
  console.error('Name the model folder: npx tsx scripts/export-onnx.ts --model <model folder>.');
  process.exit(2);
}
const modelDir = values.model;
await activateTfjsBackend(tf, 'wasm');
const { folder, card } = await readVerifiedModel(modelDir);
const { onnx, parity, onnxParityGap } = await exportRuntimes(tf, folder, modelDir, { name: card.name, watchLayer: card.out_of_distribution.layer });
// the card keeps its field order; the two new fields go after the weights' checksum
const cardFile = path.join(modelDir, CARD_FILE);
const entries = Object.entries(JSON.parse(readFileSync(cardFile, 'utf8')) as Record<string, unknown>).filter(([key]) => key !== 'onnx' && key !== 'parity');
const at = entries.findIndex(([key]) => key === 'weights_sha256') + 1;
entries.splice(at, 0, ['onnx', onnx], ['parity', parity]);
const updated = Object.fromEntries(entries);
const writeCard = () => writeFileSync(cardFile, `${JSON.stringify(updated, null, 2)}\n`);
writeCard(); // the latency below loads the model on onnx, which reads the new fields from the card
const fixtures = readdirSync(FIXTURES).filter(isImageName).map((name) => path.join(FIXTURES, name));
updated.latency = await measureLatency(async () => tf, modelDir, fixtures);
writeCard();
console.log(`${modelDir}: wrote ${onnx.file} (sha256 ${onnx.sha256.slice(0, 12)}); probe logits ${parity.logits.map((l) => l.toFixed(4)).join(', ')}; ONNX Runtime gap ${onnxParityGap ?? 'not checked (onnxruntime-node absent)'}`);
