/**
 * The whole training pipeline, from the images in ../shared/data to a model folder the app loads
 * (docs/TRAINING.md):
 *   npm run train -- [--alpha 0.75|0.25] [--size 160] [--epochs 10] [--teacher <model name>] [--limit N]
 * Stages: pixel cache (the app's preprocessing, in TypeScript) -> fine-tuning (PyTorch, resumable)
 * -> export to tfjs float16 (float32 where float16 fails parity) -> parity with PyTorch -> calibration, threshold, uncertain band,
 * "not a lesion" check, quality limits (all on train/val) -> the HAM test split, read once ->
 * model card and report. A rerun reuses the cache and resumes the fine-tuning.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../src/classifier/classifier.js';
import { activateTfjsBackend } from '../src/classifier/backend.js';
import { calibratedLogit, sigmoid } from '../src/classifier/decision.js';
import { FLIP_SETS, type Flip } from '../src/classifier/features.js';
import { readLayersFolder } from '../src/classifier/layersFolder.js';
import { buildTfjsNetwork } from '../src/classifier/network.js';
import { HAM10000_DETAIL, normalise, type InputSpec } from '../src/classifier/preprocess.js';
import { UserError } from '../src/errors.js';
import { metricsReport } from '../src/metrics/index.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { listImageSet, type ImageSet, type LabelledImage } from './lib/datasets.js';
import { evaluateOnTest, readHamMetadata } from './lib/evaluation.js';
import { FLOAT32_WEIGHTS, saveModelFolder } from './lib/exportModel.js';
import { buildFineTunedModel, OOD_LAYER, readFineTuneExport, type FineTuneExport } from './lib/fineTunedModel.js';
import { checkTrainingPython, fineTune, TrainingSetupError, type FineTuneOptions } from './lib/finetuneRun.js';
import { measureLatency } from './lib/latency.js';
import { writeModelCard, type CardInputs } from './lib/modelCardWriter.js';
import { meanOverFlips, runOnCache } from './lib/networkOnCache.js';
import { refusalRates } from './lib/nonLesion.js';
import { checkParity } from './lib/parity.js';
import { openPixelSet, writePixelCache, type CachedPixelSet } from './lib/pixelCache.js';
import { fitQualityLimits, measureImages, passRate } from './lib/qualityLimits.js';
import { fitOutOfDistribution, meanDistances } from './lib/refusal.js';
import { fitPooledRules, POOLED_RULES } from './lib/pooledRules.js';
import { exportRuntimes } from './lib/runtimeExport.js';
import { SHARED_TRAINING_OPTIONS } from './lib/trainingOptions.js';
import { writeTrainingReport } from './lib/trainingReport.js';
import { TRANSFORMS } from './lib/lesionTransforms.js';
import { darkField, marking, sensorNoise, type Square } from './lib/trainingArtefacts.js';
import { classifierJudge, robustnessForCard, runRobustness } from './lib/robustness.js';
import { limitedSample } from './lib/sample.js';

const { values: args } = parseScriptArgs({
  options: {
    alpha: { type: 'string' },
    name: { type: 'string' },
    size: { type: 'string', default: '160' },
    epochs: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'all' },
    augment: { type: 'string', default: 'lesion' },
    /** `crop-and-fill` (the card's input.frame): a dark frame is taken out of every picture, in training and in the app; `keep`: pictures go in as they are (v3). */
    frame: { type: 'string', default: 'keep' },
    teacher: { type: 'string' },
    limit: { type: 'string' },
    ...SHARED_TRAINING_OPTIONS,
    out: { type: 'string' },
    'non-lesion': { type: 'string', multiple: true, default: [] },
    'report-dir': { type: 'string', default: 'docs/models' },
    /** A HAM10000 acquisition source (metadata `dataset`, e.g. rosendahl) left out of training and val: how the model does on a clinic and camera it never saw. The test split keeps it. */
    'leave-out-source': { type: 'string' },
    /** Images per val set (half malignant) in the robustness suite: 300 of each take about 7 minutes here. */
    'robustness-images': { type: 'string', default: '300' },
  },
});

const seed = Number(args.seed);
const limit = args.limit ? Number(args.limit) : undefined;
const input: InputSpec = { size: Number(args.size), detail: HAM10000_DETAIL, ...(args.frame === 'crop-and-fill' && { frame: 'crop-and-fill' as const }), normalisation: 'mobilenet' };
const modelName = (alpha: string) => `dermacam-mnv1-${alpha.replace('.', '')}`;
const runDirOf = (name: string) => path.join(args['runs-dir']!, limit ? `${name}-limit${limit}` : name);

/** With --limit N, each set is cut to N images (half malignant where possible) for a quick run. */
function limited(images: LabelledImage[]): LabelledImage[] {
  if (!limit) return images;
  const malignant = images.filter((image) => image.label === 'malignant').slice(0, Math.ceil(limit / 2));
  const benign = images.filter((image) => image.label === 'benign').slice(0, limit - malignant.length);
  return [...malignant, ...benign];
}

/** The ids of the HAM10000 images from `source` (metadata `dataset`); none without one. */
function leftOutImages(source: string | undefined): Set<string> {
  if (!source) return new Set();
  const metadata = [...readHamMetadata(args['data-dir']!).values()];
  const sources = [...new Set(metadata.map((row) => row.dataset))].sort();
  if (!sources.includes(source)) throw new TrainingSetupError(`--leave-out-source is one of ${sources.join(', ')}, not "${source}".`);
  return new Set(metadata.filter((row) => row.dataset === source).map((row) => row.image_id!));
}

/**
 * Fewest test-time flips whose HAM val AUC is within this of the best. Each flip costs a whole
 * forward pass, and a capture may cost at most two: an extra flip has to buy more than this.
 */
const FLIP_AUC_TOLERANCE = 0.005;
function chooseFlips(summary: FineTuneExport): Flip[] {
  const rows = Object.entries(summary.test_time_flips);
  const best = Math.max(...rows.map(([, row]) => row.ham_val_auc));
  const [count] = rows.sort(([a], [b]) => Number(a) - Number(b)).find(([, row]) => row.ham_val_auc >= best - FLIP_AUC_TOLERANCE)!;
  return [...FLIP_SETS[count as keyof typeof FLIP_SETS]];
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

/** A hash of what defines the data: the split and label lists and the image checksums. */
function dataManifestSha256(dataDir: string): string {
  const hash = createHash('sha256');
  for (const file of ['MD5SUMS', 'ham10000/split.csv', 'ham10000/metadata.csv', 'isic-extra/labels.csv']) hash.update(readFileSync(path.join(dataDir, file)));
  return hash.digest('hex');
}

/** A cached set whose pictures get an artefact painted on, as the fine-tuning paints them. */
function painted(set: CachedPixelSet, paint: (square: Square, random: () => number) => Uint8Array, random: () => number): CachedPixelSet {
  const pixels = (row: number) => paint({ data: set.pixels(row), side: set.index.size }, random);
  return { index: set.index, pixels, input: (row) => normalise(pixels(row), set.index.spec) };
}

/** The whole pipeline for one model; alpha 0.25 learns from the finished alpha 0.75 run (distillation). */
/** `leftOut`: the ids of the HAM10000 images kept out of training and val (--leave-out-source). */
async function trainModel(alpha: string, teacher: string | undefined, leftOut: Set<string>): Promise<void> {
  const name = args.name ?? modelName(alpha);
  const baseDir = path.join(args['models-dir']!, `mobilenet_v1_${alpha}_224`);
  const outDir = args.out ?? path.join('models', name);
  const runDir = runDirOf(name);
  mkdirSync(outDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'training.log');
  const log = (line: string) => {
    console.log(line);
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  };
  const stageSeconds: Record<string, number> = {};
  async function stage<T>(stageName: string, work: () => Promise<T> | T): Promise<T> {
    const started = Date.now();
    log(`== ${stageName}`);
    const result = await work();
    stageSeconds[stageName] = Math.round((Date.now() - started) / 1000);
    log(`== ${stageName}: ${stageSeconds[stageName]} s`);
    return result;
  }
  log(`dermacam training: ${name}, base ${baseDir}, input ${input.size}, ${args.epochs} epochs, seed ${seed}${limit ? `, limit ${limit}` : ''}`);
  checkTrainingPython();
  const sets: ImageSet[] = ['ham-train', 'isic-train', 'ham-val', 'isic-val', 'ham-test'];
  const images = Object.fromEntries(sets.map((set) => [set, limited(listImageSet(args['data-dir']!, set).filter((image) => set === 'ham-test' || !leftOut.has(image.id)))])) as Record<ImageSet, LabelledImage[]>;
  if (args['leave-out-source']) log(`left out of training and val: HAM10000 source ${args['leave-out-source']} (${leftOut.size} images in all splits)`);
  const { 'ham-test': testImages, ...trainAndVal } = images;

  const cacheDir = await stage('pixel cache', () => writePixelCache(args['cache-dir']!, input, trainAndVal, log));
  await stage('fine-tune', () =>
    fineTune(
      {
        cacheDir, baseDir, runDir, epochs: Number(args.epochs), mode: args.mode as 'all', augment: args.augment as FineTuneOptions['augment'], seed,
        threads: Number(args.threads), limit, writeTeacherLogits: !teacher, teacherRunDir: teacher && runDirOf(teacher),
      },
      log,
    ),
  );
  const { summary, weights: fineTunedWeights } = readFineTuneExport(runDir);

  tf.enableProdMode();
  await activateTfjsBackend(tf, 'wasm');
  const exportAs = async (dtype: 'float16' | 'float32') => {
    const model = await buildFineTunedModel(tf, baseDir, summary, fineTunedWeights);
    const result = await saveModelFolder(model, outDir, dtype, FLOAT32_WEIGHTS);
    model.dispose();
    log(`saved ${outDir}: ${(result.bytes / 1e6).toFixed(2)} MB of weights (${dtype === 'float16' ? 'float16; depthwise kernels and BatchNorm float32' : 'float32'})`);
    return { ...result, dtype };
  };
  let saved = await stage('export', () => exportAs('float16'));
  const pixels = Object.fromEntries((Object.keys(trainAndVal) as ImageSet[]).map((set) => [set, openPixelSet(cacheDir, set)]));

  const parity = await stage('parity', async () => {
    const measure = async () => {
      const network = await buildTfjsNetwork(tf, await readLayersFolder(outDir), outDir);
      const result = await checkParity(network, summary, pixels['ham-val']!);
      network.dispose();
      log(`parity (${saved.dtype}): max |logit difference| ${result.maxAbsLogitDifference.toFixed(5)} over ${result.images} HAM val images x ${result.flips} flips (limit ${result.limit})`);
      return result;
    };
    let result = await measure();
    // the small model is the more sensitive to rounding: in float32 it is still only a few MB
    if (result.maxAbsLogitDifference > result.limit && saved.dtype === 'float16') {
      saved = await exportAs('float32');
      result = await measure();
    }
    if (result.maxAbsLogitDifference > result.limit) {
      throw new TrainingSetupError(`The exported model differs from PyTorch's by ${result.maxAbsLogitDifference.toFixed(4)} in a logit (limit ${result.limit}), so the export is broken.`);
    }
    return result;
  });
  const folder = await readLayersFolder(outDir);

  const flips = chooseFlips(summary);
  const runtimes = await stage('ONNX export and parity probe', async () => {
    const result = await exportRuntimes(tf, folder, outDir, { name, watchLayer: OOD_LAYER });
    log(`ONNX export ${result.onnx.file}: probe logits ${result.parity.logits.map((l) => l.toFixed(4)).join(', ')}; ONNX Runtime gap ${result.onnxParityGap ?? 'not checked (onnxruntime-node absent)'}`);
    return result;
  });

  const network = await buildTfjsNetwork(tf, folder, outDir, { watchLayer: OOD_LAYER });
  const truthOf = (set: ImageSet) => pixels[set]!.index.rows.map((row) => row.label === 1);

  const decision = await stage('calibration, threshold and uncertain band', async () => {
    const val = await runOnCache(network, pixels['ham-val']!, flips, undefined, 'model on HAM val');
    const isicVal = await runOnCache(network, pixels['isic-val']!, flips, undefined, 'model on isic-extra val');
    const sources = [
      { name: 'ham-val', logits: meanOverFlips(val.logits), malignant: truthOf('ham-val') },
      { name: 'isic-val', logits: meanOverFlips(isicVal.logits), malignant: truthOf('isic-val') },
    ];
    const { calibration, threshold, band } = fitPooledRules(sources);
    log(`flips ${flips.join(',')}; calibration T=${calibration.temperature.toFixed(4)} bias=${calibration.bias.toFixed(4)}; threshold ${threshold.toFixed(4)}; uncertain band [${band.low.toFixed(3)}, ${band.high.toFixed(3)})`);
    const reportOf = (source: (typeof sources)[number], groups?: string[]) =>
      metricsReport(source.malignant, source.logits.map((logit) => sigmoid(calibratedLogit(logit, calibration))), threshold, { groups, seed });
    const valReport = reportOf(sources[0]!, pixels['ham-val']!.index.rows.map((row) => row.group));
    const isicValReport = reportOf(sources[1]!);
    log(`val at the threshold: HAM sensitivity ${valReport.recall.toFixed(3)} specificity ${valReport.specificity.toFixed(3)} ECE ${valReport.ece.toFixed(3)}; isic-extra sensitivity ${isicValReport.recall.toFixed(3)} specificity ${isicValReport.specificity.toFixed(3)} ECE ${isicValReport.ece.toFixed(3)}`);
    return { val, isicVal, calibration, threshold, band, valReport, isicValReport };
  });

  const ood = await stage('"not a lesion" check', async () => {
    // a seeded sample of the training images: enough for a 256-unit Gaussian, and minutes instead of an hour
    const random = seededRandom(seed);
    const sample = (set: ImageSet, n: number) => pixels[set]!.index.rows.map((_, i) => ({ i, key: random() })).sort((a, b) => a.key - b.key).slice(0, n).map(({ i }) => i).sort((a, b) => a - b);
    const perSet = limit ?? 1500;
    // the model learnt from pictures with these painted on (finetune.py), so they belong to what it knows; noise only with
    // the webcam artefacts: a model that never saw noise answers noisy pictures badly, and refusing them is right
    const copies = [
      { paint: darkField, name: 'framed', text: 'a dark circular field painted on' },
      { paint: marking, name: 'marked', text: 'a marking (vignette, ruler, pen ring or colour patch)' },
      ...(summary.augmentation.sensor_noise ? [{ paint: sensorNoise, name: 'noisy', text: 'sensor noise' }] : []),
    ];
    const train: Float32Array[][] = [];
    for (const set of ['ham-train', 'isic-train'] as const) {
      train.push((await runOnCache(network, pixels[set]!, flips, sample(set, perSet), `hidden layer on ${set}`)).activations!);
      for (const copy of copies) {
        train.push((await runOnCache(network, painted(pixels[set]!, copy.paint, random), flips, sample(set, perSet / 2), `hidden layer on ${set}, ${copy.name}`)).activations!);
      }
    }
    const trainActivations = flips.map((_, f) => Float32Array.from(train.flatMap((part) => [...part[f]!])));
    const units = decision.val.activations![0]!.length / pixels['ham-val']!.index.rows.length;
    const fitted = fitOutOfDistribution(outDir, OOD_LAYER, trainActivations, decision.val.activations!, units, `${perSet} HAM10000 train + ${perSet} ISIC extra train images (seeded sample), and ${copies.map((copy) => `half as many with ${copy.text}`).join(', ')}`);
    const isicDistances = meanDistances(decision.isicVal.activations!, fitted.gaussian);
    const passes = (distances: number[]) => distances.filter((d) => d <= fitted.spec.threshold).length / distances.length;
    const measured = { ham_val_pass_rate: passes(fitted.valDistances), isic_val_pass_rate: passes(isicDistances) };
    log(`"not a lesion" threshold ${fitted.spec.threshold.toFixed(2)}: passes ${(100 * measured.ham_val_pass_rate).toFixed(1)}% of HAM val, ${(100 * measured.isic_val_pass_rate).toFixed(1)}% of isic-extra val`);
    return { ...fitted.spec, measured };
  });
  network.dispose();

  const quality = await stage('quality gate limits', async () => {
    const trainMeasures = await measureImages([...images['ham-train'], ...images['isic-train']], input, 'quality of training images');
    const valMeasures = await measureImages([...images['ham-val'], ...images['isic-val']], input, 'quality of val images');
    const limits = fitQualityLimits(trainMeasures, valMeasures);
    const measured = { train_pass_rate: passRate(trainMeasures, limits), val_pass_rate: passRate(valMeasures, limits) };
    log(`quality limits: ${JSON.stringify(limits)}; pass rates ${JSON.stringify(measured)}`);
    return { limits, measured };
  });

  const setCounts = Object.fromEntries(
    sets.map((set) => [set, { benign: images[set].filter((i) => i.label === 'benign').length, malignant: images[set].filter((i) => i.label === 'malignant').length }]),
  );
  const provenance = () => ({
    git_commit: gitCommit(),
    data_manifest_sha256: dataManifestSha256(args['data-dir']!),
    command: `npm run train -- ${process.argv.slice(2).join(' ')}`.trim(),
    stage_seconds: stageSeconds,
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
    parity,
  });
  const cardInputs: CardInputs = {
    name, alpha, input, testTimeFlips: flips, weights: saved, runtimes, fineTune: summary, setCounts,
    calibration: { method: 'temperature-and-bias', ...decision.calibration, fitted_on: POOLED_RULES.calibration },
    threshold: decision.threshold,
    uncertainBand: decision.band,
    outOfDistribution: ood,
    qualityLimits: quality.limits,
    metrics: {},
    latency: {},
    provenance: provenance(),
    seed,
    leftOutSource: args['leave-out-source'],
  };
  writeModelCard(outDir, cardInputs); // complete but for the test metrics, so that the app's classifier can load it

  const robustness = await stage('shortcut and robustness suite (val)', async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir: outDir, backend: 'auto' });
    const perSet = limit ?? Number(args['robustness-images']);
    const sets = (['ham-val', 'isic-val'] as const).map((set) => ({ name: set, images: limitedSample(images[set], perSet, seed) }));
    const report = await runRobustness(classifierJudge(classifier), classifier.threshold, sets, TRANSFORMS, seed);
    classifier.dispose();
    const misses = report.rows.filter((row) => Object.values(row.meets).includes(false));
    log(`robustness: ${report.rows.length} rows on ${perSet} images a set; ${misses.length} miss a target: ${misses.map((row) => `${row.set} ${row.transform}`).join('; ') || 'none'}`);
    return report;
  });

  const test = await stage('HAM test split (read once)', async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir: outDir, backend: 'wasm' });
    const evaluation = await evaluateOnTest(classifier, testImages, readHamMetadata(args['data-dir']!), seed);
    const nonLesion = await refusalRates(classifier, args['non-lesion']!);
    const latency = await measureLatency(async () => tf, outDir, testImages.map((image) => image.file));
    classifier.dispose();
    const a = evaluation.all;
    log(`HAM test: AUC ${a.auc.toFixed(3)} [${a.ci.auc.low.toFixed(3)}, ${a.ci.auc.high.toFixed(3)}], sensitivity ${a.recall.toFixed(3)}, specificity ${a.specificity.toFixed(3)}, ECE ${a.ece.toFixed(3)}`);
    for (const [backend, figures] of Object.entries(latency.by_backend)) {
      log(`latency on ${backend}: capture p50 ${figures.capture_ms.p50.toFixed(1)} ms, forward p50 with 1 / 2 / 4 flips ${(['1', '2', '4'] as const).map((n) => figures.forward_ms_by_flips[n].p50.toFixed(1)).join(' / ')} ms`);
    }
    return { evaluation, nonLesion, latency };
  });

  const card = writeModelCard(outDir, {
    ...cardInputs,
    outOfDistribution: { ...ood, measured: { ...ood.measured, ham_test_pass_rate: 1 - test.evaluation.refused.not_a_lesion / testImages.length, ...test.nonLesion } },
    qualityLimits: quality.limits,
    metrics: {
      ham10000_test: { ...test.evaluation.all, answered_only: test.evaluation.answered, refused: test.evaluation.refused, subgroups: test.evaluation.subgroups },
      ham10000_test_balanced: test.evaluation.balanced,
      ham10000_val: decision.valReport,
      isic_extra_val: decision.isicValReport,
      quality_gate: quality.measured,
      robustness: robustnessForCard(robustness),
    },
    latency: test.latency,
    provenance: provenance(),
  });
  // the report lives apart from the model folder, which is what ships to a Pi
  mkdirSync(args['report-dir']!, { recursive: true });
  const report = path.join(args['report-dir']!, `${name}-training-report.md`);
  writeTrainingReport(report, card, summary, robustness);
  log(`report: ${report}`);
  log(`done: ${outDir}`);
  console.log(`log: ${logFile}`);
}

const alphas = args.alpha ? [args.alpha] : ['0.75', '0.25'];
try {
  if (alphas.length > 1 && (args.name || args.out)) throw new TrainingSetupError('--name and --out name one model: give --alpha too.');
  if (args.frame !== 'crop-and-fill' && args.frame !== 'keep') throw new TrainingSetupError(`--frame is crop-and-fill or keep, not "${args.frame}".`);
  const leftOut = leftOutImages(args['leave-out-source']);
  for (const alpha of alphas) await trainModel(alpha, args.teacher ?? (alpha === '0.25' ? modelName('0.75') : undefined), leftOut);
} catch (error) {
  // a missing base model or data folder, a bad card: one sentence, not a stack trace
  if (!(error instanceof TrainingSetupError || error instanceof UserError)) throw error;
  console.error(`training stopped: ${error.message}`);
  process.exitCode = 1;
}
