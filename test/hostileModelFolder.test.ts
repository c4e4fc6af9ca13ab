import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadClassifier, readVerifiedModel } from '../src/classifier/classifier.js';
import { ModelFolderError } from '../src/classifier/modelFile.js';
import { REPO } from './helpers/paths.js';

/** The small shipped model: every hostile folder below is a copy of it with one thing changed. */
const SMALL_MODEL = path.join(REPO, 'models', 'dermacam-mnv1-025');
/** A FIFO nobody writes to: a plain read of it never returns, so the refusal must come well before this. */
const HANG_MS = 10_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The temp folders this file's tests made, removed after each test: every copy holds 4 MB of model. */
const parents: string[] = [];
afterEach(() => {
  for (const parent of parents.splice(0)) rmSync(parent, { recursive: true, force: true });
});

/** A copy of the small model in a fresh temp folder (`parent/model`), beside which a test may put other files. */
function copyOfModel(): string {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'dermacam-hostile-'));
  parents.push(parent);
  const dir = path.join(parent, 'model');
  cpSync(SMALL_MODEL, dir, { recursive: true });
  return dir;
}

/** Rewrites a JSON file of the folder as `edit` changes it in place (what `edit` returns is ignored). */
function editJson(dir: string, file: string, edit: (json: Json) => unknown): void {
  const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Json;
  edit(json);
  writeFileSync(path.join(dir, file), JSON.stringify(json));
}

function replaceWith(dir: string, file: string, make: (target: string) => void): void {
  rmSync(path.join(dir, file));
  make(path.join(dir, file));
}

const fifo = (target: string) => execFileSync('mkfifo', [target]);
const linkTo = (destination: string) => (target: string) => symlinkSync(destination, target);

const load = (modelDir: string, backend: 'cpu' | 'onnx') => loadClassifier({ tf: async () => tf, modelDir, backend });

describe('a model folder whose files are not regular files', () => {
  const files = ['model-card.json', 'model.json', 'weights.bin', 'ood.bin'];

  it.each(files)('refuses %s as a FIFO at once instead of hanging', async (file) => {
    const dir = copyOfModel();
    replaceWith(dir, file, fifo);
    await expect(readVerifiedModel(dir)).rejects.toThrow(new RegExp(`${file} cannot be used: it is not a regular file`));
  }, HANG_MS);

  it.each(files)('refuses %s as a link to /dev/zero without reading it', async (file) => {
    const dir = copyOfModel();
    replaceWith(dir, file, linkTo('/dev/zero'));
    await expect(readVerifiedModel(dir)).rejects.toThrow(new RegExp(`${file} cannot be used: it is not a regular file`));
  }, HANG_MS);

  it('refuses the ONNX export as a FIFO or a link to /dev/zero on the onnx backend', async () => {
    for (const make of [fifo, linkTo('/dev/zero')]) {
      const dir = copyOfModel();
      replaceWith(dir, 'model.onnx', make);
      await expect(load(dir, 'onnx')).rejects.toThrow(/model\.onnx cannot be used: it is not a regular file/);
    }
  }, HANG_MS);

  it('still follows a link inside the folder to a regular file', async () => {
    const dir = copyOfModel();
    const elsewhere = path.join(path.dirname(dir), 'weights-elsewhere.bin');
    cpSync(path.join(dir, 'weights.bin'), elsewhere);
    replaceWith(dir, 'weights.bin', linkTo(elsewhere));
    await expect(readVerifiedModel(dir)).resolves.toBeDefined();
  });
});

describe('a model folder naming files outside itself', () => {
  /** A genuine copy of `file` in a folder beside the model's, so that only the path makes it wrong. */
  function besideTheModel(dir: string, file: string): string {
    const other = path.join(path.dirname(dir), 'other');
    mkdirSync(other, { recursive: true });
    cpSync(path.join(dir, file), path.join(other, file));
    return path.join(other, file);
  }

  it.each(['../other/weights.bin', 'absolute'])('refuses a weight shard named %s', async (name) => {
    const dir = copyOfModel();
    const outside = besideTheModel(dir, 'weights.bin');
    editJson(dir, 'model.json', (json) => (json.weightsManifest[0].paths = [name === 'absolute' ? outside : name]));
    await expect(readVerifiedModel(dir)).rejects.toThrow(/The weight file ".*" named in the model folder .* is not a file name inside that folder, so it is refused\.$/);
  });

  it('refuses "not a lesion" data named by a path', async () => {
    const dir = copyOfModel();
    besideTheModel(dir, 'ood.bin');
    editJson(dir, 'model-card.json', (card) => (card.out_of_distribution.file = '../other/ood.bin'));
    await expect(readVerifiedModel(dir)).rejects.toThrow(/"not a lesion" data "\.\.\/other\/ood\.bin" .* is not a file name inside that folder/);
  });

  it('refuses an ONNX export named by a path, on the onnx backend', async () => {
    const dir = copyOfModel();
    besideTheModel(dir, 'model.onnx');
    editJson(dir, 'model-card.json', (card) => (card.onnx.file = '../other/model.onnx'));
    await expect(load(dir, 'onnx')).rejects.toThrow(/ONNX export "\.\.\/other\/model\.onnx" .* is not a file name inside that folder/);
  });

  it('stops reading a manifest that names one shard over and over once it holds more than it describes', async () => {
    const dir = copyOfModel();
    editJson(dir, 'model.json', (json) => (json.weightsManifest[0].paths = Array(20).fill('weights.bin')));
    await expect(readVerifiedModel(dir)).rejects.toThrow(/are more than \d+ bytes where model.json describes \d+: a shard is truncated or corrupt\.$/);
  });
});

describe('a malformed model.json', () => {
  const firstWeight = (json: Json) => json.weightsManifest[0].weights[0] as Json;
  const cases: [string, (json: Json) => unknown][] = [
    ['a topology without layers', (json) => (json.modelTopology = { foo: 1 })],
    ['a manifest of nulls', (json) => (json.weightsManifest = [null])],
    ['a group without paths', (json) => delete json.weightsManifest[0].paths],
    ['a group whose paths are a string', (json) => (json.weightsManifest[0].paths = 'weights.bin')],
    ['a group without weights', (json) => delete json.weightsManifest[0].weights],
    ['a group whose weights are null', (json) => (json.weightsManifest[0].weights = null)],
    ['a null weight', (json) => (json.weightsManifest[0].weights[0] = null)],
    ['a weight whose shape is a string', (json) => (firstWeight(json).shape = 'abc')],
    ['a weight without a shape', (json) => delete firstWeight(json).shape],
    ['a weight with a fractional dimension', (json) => (firstWeight(json).shape = [3, 3, 3, 8.5])],
  ];

  it.each(cases)('is refused in one sentence: %s', async (_, edit) => {
    const dir = copyOfModel();
    editJson(dir, 'model.json', edit);
    const refusal = readVerifiedModel(dir);
    await expect(refusal).rejects.toBeInstanceOf(ModelFolderError);
    await expect(refusal).rejects.toThrow(/model\.json is not a TensorFlow\.js layers model\.$/);
  });

  it.each(['null', '[1]'])('is refused in one sentence: %s', async (text) => {
    const dir = copyOfModel();
    writeFileSync(path.join(dir, 'model.json'), text);
    await expect(readVerifiedModel(dir)).rejects.toThrow(/model\.json is not a TensorFlow\.js layers model\.$/);
  });

  it('is refused when its weights would be larger than any MobileNet', async () => {
    const dir = copyOfModel();
    editJson(dir, 'model.json', (json) => (firstWeight(json).shape = [1e6, 1e6]));
    await expect(readVerifiedModel(dir)).rejects.toThrow(/describes \d+ bytes of weights, more than the limit of 64 MB\.$/);
  });
});

describe('a card that disagrees with its model, on the onnx backend as on cpu', () => {
  it.each(['cpu', 'onnx'] as const)('%s refuses a card whose input size is not the graph\'s', async (backend) => {
    const dir = copyOfModel();
    editJson(dir, 'model-card.json', (card) => (card.input.size = 1024));
    await expect(load(dir, backend)).rejects.toThrow(/takes 160-pixel pictures where its card says 1024\.$/);
  });

  it.each(['cpu', 'onnx'] as const)('%s refuses a card whose "not a lesion" layer the model lacks', async (backend) => {
    const dir = copyOfModel();
    editJson(dir, 'model-card.json', (card) => (card.out_of_distribution.layer = 'no_such_layer'));
    await expect(load(dir, backend)).rejects.toThrow(/names the layer "no_such_layer" for the "not a lesion" check, which its model\.json lacks\.$/);
  });
});

describe('card values out of range', () => {
  const cases: [string, string, (card: Json) => unknown][] = [
    ['input', 'detail side 0', (card) => (card.input.detail.side = 0)],
    ['input', 'a negative detail side', (card) => (card.input.detail.side = -10)],
    ['input', 'a fractional detail side', (card) => (card.input.detail.side = 150.5)],
    ['input', 'a detail side as a string', (card) => (card.input.detail.side = '150')],
    ['input', 'a detail side of 1e308', (card) => (card.input.detail.side = 1e308)],
    ['input', 'JPEG quality 0', (card) => (card.input.detail.jpeg_quality = 0)],
    ['input', 'JPEG quality 1000', (card) => (card.input.detail.jpeg_quality = 1000)],
    ['input', 'JPEG quality "high"', (card) => (card.input.detail.jpeg_quality = 'high')],
    ['input', 'a detail without a side', (card) => delete card.input.detail.side],
    ['uncertain_band', 'an uncertain band with low above high', (card) => (card.uncertain_band = { low: 0.9, high: 0.1, rule: 'x' })],
    ['uncertain_band', 'an uncertain band below 0', (card) => (card.uncertain_band.low = -0.1)],
    ['uncertain_band', 'an uncertain band above 1', (card) => (card.uncertain_band.high = 1.5)],
    ['calibration', 'a temperature of 5e-324', (card) => (card.calibration.temperature = 5e-324)],
    ['calibration', 'a temperature of 1e9', (card) => (card.calibration.temperature = 1e9)],
  ];

  it.each(cases)('refuses the card\'s %s: %s', async (field, _, edit) => {
    const dir = copyOfModel();
    editJson(dir, 'model-card.json', edit);
    await expect(readVerifiedModel(dir)).rejects.toThrow(new RegExp(`model-card\\.json lacks a valid ${field}\\.$`));
  });
});
