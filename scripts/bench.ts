/**
 * Prints speed and memory figures of every model folder under models/ on every available
 * backend (each measured in its own process, so that peak RSS is its own):
 *   npm run bench -- [--runs 50] [--image <file>] [--models <dir>,<dir>]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../src/classifier/classifier.js';
import { FLIP_SETS, type Flip } from '../src/classifier/features.js';
import { readLayersFolder } from '../src/classifier/layersFolder.js';
import { buildNetwork } from '../src/classifier/network.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import type { BackendName } from '../src/classifier/backend.js';
import { quantile } from './lib/quantile.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    // plain JavaScript takes seconds an image: a few runs show its scale without taking an hour
    'cpu-runs': { type: 'string', default: '5' },
    image: { type: 'string', default: '../shared/data/fixtures/ISIC_0024323.jpg' },
    models: { type: 'string' },
    one: { type: 'string' },
    backend: { type: 'string' },
  },
});

interface Figures {
  model: string;
  backend: string;
  runs: number;
  loadMs: number;
  firstMs: number;
  preprocess: [number, number];
  inference: [number, number];
  endToEnd: [number, number];
  /** One forward pass of the network alone, on a prepared input, under 1, 2 and 4 flips. */
  forward: Record<'1' | '2' | '4', [number, number]>;
  /** The same network run layer by layer (BatchNorm and ReLU6 as passes of their own), one flip: what folding saves. */
  unfolded: [number, number];
  peakRssMb: number;
  sizeMb: number;
}


const percentiles = (values: number[]): [number, number] => [quantile(values, 0.5), quantile(values, 0.95)];

async function measureOne(modelDir: string, backend: BackendName, runs: number): Promise<Figures> {
  tf.enableProdMode();
  let started = performance.now();
  const classifier = await loadClassifier({ tf, modelDir, backend }); // includes the warm-up inference
  const loadMs = performance.now() - started;
  const image = args.image!;
  started = performance.now();
  await classifier.classifyFile(image);
  const firstMs = performance.now() - started;
  const preprocess: number[] = [];
  const inference: number[] = [];
  const endToEnd: number[] = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    const pixels = await preprocessImage(image, classifier.card.input);
    const afterPreprocess = performance.now();
    classifier.predictPixels([pixels]);
    inference.push(performance.now() - afterPreprocess);
    preprocess.push(afterPreprocess - started);
    endToEnd.push((await classifier.classifyFile(image)).ms);
  }
  const network = await buildNetwork(tf, await readLayersFolder(modelDir), modelDir);
  const prepared = await preprocessImage(image, classifier.card.input);
  const forward = {} as Figures['forward'];
  for (const [count, flips] of Object.entries(FLIP_SETS) as ['1' | '2' | '4', readonly Flip[]][]) {
    network.run([prepared], flips); // warm-up for this batch size
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      started = performance.now();
      network.run([prepared], flips);
      times.push(performance.now() - started);
    }
    forward[count] = percentiles(times);
  }
  network.dispose();
  const layered = await tf.loadLayersModel(tf.io.fromMemory((await readLayersFolder(modelDir)).artifacts));
  const input = tf.tensor4d(prepared, [1, classifier.card.input.size, classifier.card.input.size, 3]);
  tf.tidy(() => layered.predict(input)); // warm-up
  const unfolded: number[] = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    tf.tidy(() => (layered.predict(input) as tf.Tensor).dataSync());
    unfolded.push(performance.now() - started);
  }
  layered.dispose();
  input.dispose();
  const sizeBytes = readdirSync(modelDir).reduce((sum, name) => sum + statSync(path.join(modelDir, name)).size, 0);
  return {
    model: classifier.modelId,
    backend: classifier.backend,
    runs,
    loadMs,
    firstMs,
    preprocess: percentiles(preprocess),
    inference: percentiles(inference),
    endToEnd: percentiles(endToEnd),
    forward,
    unfolded: percentiles(unfolded),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    sizeMb: sizeBytes / 1e6,
  };
}

if (args.one) {
  console.log(JSON.stringify(await measureOne(args.one, args.backend as BackendName, Number(args.runs))));
} else {
  const modelDirs = args.models ? args.models.split(',') : readdirSync('models').map((name) => path.join('models', name)).filter((dir) => statSync(dir).isDirectory());
  const self = fileURLToPath(import.meta.url);
  const f = (x: number) => x.toFixed(1);
  console.log(`dermacam bench: image ${args.image}, times in ms (p50 / p95)`);
  console.log('model | backend | runs | load | first | preprocess | inference | classify end to end | bare forward | end to end / bare forward | forward unfolded | forward with 2 flips | with 4 flips | peak RSS MB | size MB');
  for (const modelDir of modelDirs) {
    for (const backend of ['node', 'wasm', 'cpu'] as BackendName[]) {
      let figures: Figures;
      try {
        const runs = backend === 'cpu' ? args['cpu-runs']! : args.runs!;
        const output = execFileSync(process.execPath, [...process.execArgv, self, '--one', modelDir, '--backend', backend, '--runs', runs, '--image', args.image!], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        figures = JSON.parse(output.trim().split('\n').pop()!) as Figures;
      } catch {
        console.log(`${modelDir} | ${backend} | not available`);
        continue;
      }
      const pair = ([p50, p95]: [number, number]) => `${f(p50)} / ${f(p95)}`;
      console.log(
        `${figures.model} | ${figures.backend} | ${figures.runs} | ${f(figures.loadMs)} | ${f(figures.firstMs)} | ${pair(figures.preprocess)} | ${pair(figures.inference)} | ${pair(figures.endToEnd)} | ${pair(figures.forward['1'])} | ${(figures.endToEnd[0] / figures.forward['1'][0]).toFixed(2)} | ${pair(figures.unfolded)} | ${pair(figures.forward['2'])} | ${pair(figures.forward['4'])} | ${f(figures.peakRssMb)} | ${figures.sizeMb.toFixed(2)}`,
      );
    }
  }
}
