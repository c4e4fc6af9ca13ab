import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { normalise } from '../../src/classifier/preprocess.js';
import { occlusionMap, type OcclusionMap } from '../../src/explain/occlusion.js';
import { jsonLines, runCli } from '../helpers/cli.js';
import { FIXTURES, REPO } from '../helpers/paths.js';

const SIZE = 32;

/** A square whose cells are all grey (0) but for a bright patch at rows [from, to) and columns [from + 8, to + 8). */
function squareWithPatch(from: number, to: number): Float32Array {
  const input = new Float32Array(SIZE * SIZE * 3);
  for (let y = from; y < to; y++) for (let x = from + 8; x < to + 8; x++) input.fill(1, (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
  return input;
}

/** The cells of a map, hottest first. */
const cellsByHeat = (map: OcclusionMap) => Array.from(map.heat.keys()).sort((a, b) => map.heat[b]! - map.heat[a]!);

/** `input` with the given cells of a grid x grid map set to grey. */
function withCellsGrey(input: Float32Array, size: number, grid: number, cells: number[]): Float32Array {
  const copy = input.slice();
  const cell = size / grid;
  for (const index of cells) {
    const [row, column] = [Math.floor(index / grid), index % grid];
    for (let y = Math.round(row * cell); y < Math.round((row + 1) * cell); y++) copy.fill(0, (y * size + Math.round(column * cell)) * 3, (y * size + Math.round((column + 1) * cell)) * 3);
  }
  return copy;
}

describe('occlusion maps', () => {
  it('mark the cells that the answer depends on, row by row, and nothing else', async () => {
    // a stand-in "network" whose logit is the brightness of the pixels at rows 8-15, columns 16-23
    const logitsOf = async (inputs: Float32Array[]) =>
      inputs.map((input) => {
        let sum = 0;
        for (let y = 8; y < 16; y++) for (let x = 16; x < 24; x++) sum += input[(y * SIZE + x) * 3]!;
        return sum;
      });
    const progress: number[] = [];
    const map = await occlusionMap(squareWithPatch(8, 16), SIZE, logitsOf, { grid: 4, patch: 2, batch: 4, onProgress: (done) => progress.push(done) });
    expect(map.baseline).toBe(64);
    // the patch sits in cell row 1, column 2 of the 4x4 map. Each 2x2-cell patch that covers it costs 64,
    // so that cell gets 64, and its neighbours the share of their patches that reached it
    expect(cellsByHeat(map)[0]).toBe(1 * 4 + 2);
    expect(Array.from(map.heat)).toEqual([0, 16, 32, 16, 0, 32, 64, 32, 0, 16, 32, 16, 0, 0, 0, 0]);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('are honest on the fixtures: greying the hottest eighth of the map moves the logit more than greying the coolest', async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir: path.join(REPO, 'models', 'dermacam-mnv1-075'), backend: 'auto' });
    const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).slice(0, 6);
    for (const name of fixtures) {
      const { pixels, size, map } = await classifier.explain(path.join(FIXTURES, name));
      const input = normalise(pixels, classifier.card.input);
      const ranked = cellsByHeat(map);
      const eighth = ranked.length / 8;
      const [hot, cool] = await classifier.meanLogits([withCellsGrey(input, size, map.grid, ranked.slice(0, eighth)), withCellsGrey(input, size, map.grid, ranked.slice(-eighth))]);
      expect(map.baseline - hot!, name).toBeGreaterThan(map.baseline - cool!);
    }
    classifier.dispose();
  });
});

describe('dermacam classify --explain', () => {
  it('writes a map per picture, even for two pictures of one name, and gives its path in the JSON line', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-explain-')), 'maps');
    const fixture = path.join(FIXTURES, 'ISIC_0024358.jpg');
    const { stdout, code } = await runCli(['classify', '--json', '--explain', out, fixture, fixture]);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.map((line) => line.explain)).toEqual([path.join(out, 'ISIC_0024358.explain.png'), path.join(out, 'ISIC_0024358-2.explain.png')]);
    const { width, height, format } = await sharp(lines[0]!.explain as string).metadata();
    expect([width, height, format]).toEqual([320, 320, 'png']);
    // a file where the folder should be: one sentence, before any picture is classified
    const notAFolder = lines[0]!.explain as string;
    const refused = await runCli(['classify', '--explain', notAFolder, fixture]);
    expect([refused.code, refused.stderr]).toEqual([2, `dermacam: The explanation maps cannot be written: ${notAFolder} is a file, not a folder.\n`]);
  });
});
