import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../src/classifier/backend.js';
import { loadClassifier, readVerifiedModel } from '../src/classifier/classifier.js';
import { foldLayers } from '../src/classifier/foldedGraph.js';
import { writeOnnx } from '../scripts/lib/onnxExport.js';
import { SHIPPED_MODEL } from './helpers/paths.js';

const loadTf = async () => tf;

/** A copy of the shipped model whose ONNX export has its output bias moved by `shift`, with the card's checksum updated to match. */
async function modelWithStrayOnnx(shift: number): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-stray-'));
  cpSync(SHIPPED_MODEL, dir, { recursive: true });
  const { folder, card } = await readVerifiedModel(dir);
  const graph = foldLayers(folder, card.out_of_distribution.layer)!;
  const last = graph.steps.at(-1)!;
  if (last.op !== 'dense') throw new Error('the shipped model ends in a dense layer');
  last.bias = last.bias.map((value) => value + shift);
  const bytes = writeOnnx(graph, { watchLayer: card.out_of_distribution.layer, name: card.name });
  writeFileSync(path.join(dir, card.onnx!.file), bytes);
  const cardFile = path.join(dir, 'model-card.json');
  const json = JSON.parse(readFileSync(cardFile, 'utf8')) as { onnx: { sha256: string } };
  json.onnx.sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(cardFile, JSON.stringify(json));
  return dir;
}

describe('choosing a backend', () => {
  it('auto takes ONNX Runtime, the fastest backend here, after it reproduces the parity probe', async () => {
    const classifier = await loadClassifier({ tf: loadTf, modelDir: SHIPPED_MODEL, backend: 'auto' });
    expect(classifier.backend).toBe('onnx');
    expect(classifier.skippedBackends).toEqual([]);
    classifier.dispose();
  });

  it('auto passes over a backend whose logits stray from the reference, and says why', async () => {
    const dir = await modelWithStrayOnnx(0.5);
    const classifier = await loadClassifier({ tf: loadTf, modelDir: dir, backend: 'auto' });
    expect(classifier.backend).not.toBe('onnx');
    expect(classifier.skippedBackends[0]).toMatch(/^onnx: its logits differ from the model's reference by 0\.500 \(tolerance 0\.01\)$/);
    classifier.dispose();
    await expect(loadClassifier({ tf: loadTf, modelDir: dir, backend: 'onnx' })).rejects.toThrow(BackendError);
  });

  it('refuses an ONNX file that does not match its checksum', async () => {
    const dir = await modelWithStrayOnnx(0);
    writeFileSync(path.join(dir, 'model.onnx'), Buffer.from('not the model'));
    await expect(loadClassifier({ tf: loadTf, modelDir: dir, backend: 'auto' })).rejects.toThrow(/model\.onnx does not match the checksum in the model card/);
  });
});
