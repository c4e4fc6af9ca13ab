/**
 * Prints speed and memory figures of every model folder under models/ on every available
 * backend (each measured in its own process, so that peak RSS is its own), against one unfused
 * forward pass of the ImageNet base measured in the same run:
 *   npm run bench -- [--runs 50] [--image <file>] [--models <dir>,<dir>]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { activateTfjsBackend, AUTO_ORDER, type BackendName } from '../src/classifier/backend.js';
import { loadClassifier, readVerifiedModel } from '../src/classifier/classifier.js';
import { FLIP_SETS, type Flip } from '../src/classifier/features.js';
import { readLayersFolder } from '../src/classifier/layersFolder.js';
import { buildTfjsNetwork } from '../src/classifier/network.js';
import { openNetwork } from '../src/classifier/openNetwork.js';
import { decodePicture, normalise, preprocessImage, type InputSpec } from '../src/classifier/preprocess.js';
import { STILL, STILL_JPEG_QUALITY } from '../src/camera/webcam.js';
import { readModelCard } from '../src/classifier/modelCard.js';
import { measureCentre } from '../src/quality/measure.js';
import { quantile } from './lib/quantile.js';

const { values: args } = parseScriptArgs({
  options: {
    runs: { type: 'string', default: '50' },
    // plain JavaScript takes seconds an image: a few runs show its scale without taking an hour
    'cpu-runs': { type: 'string', default: '5' },
    image: { type: 'string', default: '../shared/data/fixtures/ISIC_0024323.jpg' },
    models: { type: 'string' },
    one: { type: 'string' },
    backend: { type: 'string' },
    base: { type: 'string' },
    'base-model': { type: 'string', default: '../shared/models/mobilenet_v1_0.75_224' },
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
  /** tfjs backends: the same network run layer by layer (BatchNorm and ReLU6 as passes of their own), one flip: what folding saves. */
  unfolded?: [number, number];
  /** The occlusion map of the image (issue 13's budget: 3 s for alpha 0.75 on wasm). */
  explain: [number, number];
  peakRssMb: number;
  sizeMb: number;
}

const percentiles = (values: number[]): [number, number] => [quantile(values, 0.5), quantile(values, 0.95)];

async function timeRuns(runs: number, once: () => Promise<unknown>): Promise<[number, number]> {
  await once(); // warm-up for this batch size
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return percentiles(times);
}

const loadTf = async () => {
  tf.enableProdMode();
  return tf;
};

async function measureOne(modelDir: string, backend: BackendName, runs: number): Promise<Figures> {
  let started = performance.now();
  const classifier = await loadClassifier({ tf: loadTf, modelDir, backend }); // includes the warm-up inference
  const loadMs = performance.now() - started;
  const image = args.image!;
  const bytes = await readFile(image);
  started = performance.now();
  await classifier.classifyFile(image);
  const firstMs = performance.now() - started;
  const preprocess: number[] = [];
  const inference: number[] = [];
  const endToEnd: number[] = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    // pre-processing of a still as the app's classifier does it, from the JPEG in memory as the camera hands it over: its decode, the quality gate's measures and the model's input
    const { input } = classifier.card;
    const { pixels } = await decodePicture(bytes, input.size, { detail: input.detail, frame: input.frame, measure: measureCentre });
    const prepared = normalise(pixels, input);
    const afterPreprocess = performance.now();
    await classifier.predictPixels([prepared]);
    inference.push(performance.now() - afterPreprocess);
    preprocess.push(afterPreprocess - started);
    endToEnd.push((await classifier.classifyFile(image)).ms);
  }
  const explain = await timeRuns(Math.min(runs, 5), () => classifier.explain(image));
  const { folder, card } = await readVerifiedModel(modelDir);
  const prepared = await preprocessImage(image, card.input);
  const { network } = await openNetwork({ request: backend, modelDir, folder, card, tf: loadTf });
  const forward = {} as Figures['forward'];
  for (const [count, flips] of Object.entries(FLIP_SETS) as ['1' | '2' | '4', readonly Flip[]][]) {
    forward[count] = await timeRuns(runs, () => network.run([prepared], flips));
  }
  network.dispose();
  let unfolded: Figures['unfolded'];
  if (backend !== 'onnx') {
    const layered = await buildTfjsNetwork(tf, folder, modelDir, { layerByLayer: true });
    unfolded = await timeRuns(runs, () => layered.run([prepared], ['none']));
    layered.dispose();
  }
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
    unfolded,
    explain,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    sizeMb: sizeBytes / 1e6,
  };
}

/** The yardstick: one forward pass of the ImageNet base (224x224, layer by layer, batch 1) on wasm. */
async function measureImageNetBase(baseDir: string, runs: number): Promise<[number, number]> {
  await activateTfjsBackend(await loadTf(), 'wasm');
  const base = await buildTfjsNetwork(tf, await readLayersFolder(baseDir), baseDir, { layerByLayer: true });
  const input = new Float32Array(base.inputSize * base.inputSize * 3);
  const times = await timeRuns(runs, () => base.run([input], ['none']));
  base.dispose();
  return times;
}

/**
 * Pre-processing of the bench image and of stills like the cameras' made from it: the webcam's
 * (src/camera/webcam.ts) and the demo camera's 640x480 at quality 90. Taken in turn, so that a
 * slow spell of the machine falls on all of them.
 */
async function timeStills(image: string, input: InputSpec, runs: number): Promise<[string, [number, number]][]> {
  const original = await readFile(image);
  const { width, height } = await sharp(original).metadata();
  const stills: [string, Buffer][] = [
    [`${path.basename(image)} (${width}x${height})`, original],
    [`a webcam still (${STILL.width}x${STILL.height}, quality ${STILL_JPEG_QUALITY})`, await sharp(original).resize(STILL.width, STILL.height).jpeg({ quality: STILL_JPEG_QUALITY }).toBuffer()],
    ['a demo camera still (640x480, quality 90)', await sharp(original).resize(640, 480).jpeg({ quality: 90 }).toBuffer()],
  ];
  const times = stills.map((): number[] => []);
  for (let run = -5; run < runs; run++) {
    for (const [i, [, bytes]] of stills.entries()) {
      const started = performance.now();
      await decodePicture(bytes, input.size, { detail: input.detail, frame: input.frame, measure: measureCentre });
      if (run >= 0) times[i]!.push(performance.now() - started);
    }
  }
  return stills.map(([name], i) => [`${name}, ${Math.round(stills[i]![1].length / 1024)} KB`, percentiles(times[i]!)]);
}

function runSelf(extra: string[]): string {
  const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return output.trim().split('\n').pop()!;
}

if (args.one) {
  console.log(JSON.stringify(await measureOne(args.one, args.backend as BackendName, Number(args.runs))));
} else if (args.base) {
  console.log(JSON.stringify(await measureImageNetBase(args.base, Number(args.runs))));
} else {
  const modelDirs = args.models ? args.models.split(',') : readdirSync('models').map((name) => path.join('models', name)).filter((dir) => statSync(dir).isDirectory());
  const f = (x: number) => x.toFixed(1);
  const pair = ([p50, p95]: [number, number]) => `${f(p50)} / ${f(p95)}`;
  console.log(`dermacam bench: image ${args.image}, times in ms (p50 / p95)`);
  const { input } = await readModelCard(modelDirs[0]!);
  console.log(`pre-processing per still for ${modelDirs[0]}, from the JPEG in memory (its decode, the quality gate's measures and the model's input), the stills taken in turn:`);
  for (const [still, times] of await timeStills(args.image!, input, Number(args.runs) * 3)) console.log(`  ${still}: ${pair(times)}`);
  const base = JSON.parse(runSelf(['--base', args['base-model']!, '--runs', args.runs!])) as [number, number];
  console.log(`yardstick: one unfused forward pass of the ImageNet base ${path.basename(args['base-model']!)} on wasm, batch 1: ${pair(base)}`);
  console.log('model | backend | runs | load | first | preprocess | inference | classify end to end | end to end / yardstick | bare forward | end to end / bare forward | forward unfolded | forward with 2 flips | with 4 flips | explanation map | peak RSS MB | size MB');
  for (const modelDir of modelDirs) {
    for (const backend of AUTO_ORDER) {
      let figures: Figures;
      try {
        const runs = backend === 'cpu' ? args['cpu-runs']! : args.runs!;
        figures = JSON.parse(runSelf(['--one', modelDir, '--backend', backend, '--runs', runs, '--image', args.image!])) as Figures;
      } catch {
        console.log(`${modelDir} | ${backend} | not available`);
        continue;
      }
      console.log(
        `${figures.model} | ${figures.backend} | ${figures.runs} | ${f(figures.loadMs)} | ${f(figures.firstMs)} | ${pair(figures.preprocess)} | ${pair(figures.inference)} | ${pair(figures.endToEnd)} | ${(figures.endToEnd[0] / base[0]).toFixed(2)} | ${pair(figures.forward['1'])} | ${(figures.endToEnd[0] / figures.forward['1'][0]).toFixed(2)} | ${figures.unfolded ? pair(figures.unfolded) : '-'} | ${pair(figures.forward['2'])} | ${pair(figures.forward['4'])} | ${pair(figures.explain)} | ${f(figures.peakRssMb)} | ${figures.sizeMb.toFixed(2)}`,
      );
    }
  }
}
