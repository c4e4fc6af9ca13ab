import os from 'node:os';
import type * as TF from '@tensorflow/tfjs';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { preprocessImage } from '../../src/classifier/preprocess.js';
import { metricsReport, rocAuc, thresholdForSensitivity, type MetricsReport } from '../../src/metrics/index.js';
import { shuffleInPlace } from './trainData.js';
import { applyCalibration, fitCalibration, type Calibration } from './calibrate.js';
import type { LabelledImage } from './datasets.js';
import { writeModelCard, type CardInputs } from './modelCardWriter.js';
import { createProgress } from './progress.js';

export interface ShippedEvaluation {
  backend: string;
  machine: string;
  calibration: Calibration;
  threshold: number;
  val: MetricsReport;
  test: MetricsReport;
  balancedTest: MetricsReport;
  float16Check: { images: number; maxAbsLogitDifference: number; valAucShipped: number; valAucFromFeatures: number };
  latencyMs: { p50: number; p95: number; runs: number };
}

const BATCH = 8;

/**
 * Measures the saved model folder itself, end to end from the image files (the same code path
 * as `dermacam classify`): calibration and threshold on HAM val, then metrics on HAM test.
 */
export async function evaluateShippedModel(options: {
  tf: typeof TF;
  modelDir: string;
  card: CardInputs;
  valImages: LabelledImage[];
  testImages: LabelledImage[];
  headValLogits: Float32Array;
  random: () => number;
  log: (line: string) => void;
}): Promise<ShippedEvaluation> {
  const { tf, modelDir, log } = options;
  writeModelCard(modelDir, options.card);
  const classifier = await loadClassifier({ tf, modelDir, backend: 'wasm' });

  async function logitsOf(images: LabelledImage[], label: string): Promise<number[]> {
    const progress = createProgress(`shipped model on ${label}`, images.length);
    const logits: number[] = [];
    for (let start = 0; start < images.length; start += BATCH) {
      const batch = images.slice(start, start + BATCH);
      const pixels = await Promise.all(batch.map((image) => preprocessImage(image.file, classifier.card.input)));
      logits.push(...classifier.meanLogits(pixels));
      progress.tick(batch.length);
    }
    progress.finish();
    return logits;
  }
  const malignant = (images: LabelledImage[]) => images.map((image) => image.label === 'malignant');

  const valLogits = await logitsOf(options.valImages, 'HAM val');
  const valTruth = malignant(options.valImages);
  const float16Check = {
    images: valLogits.length,
    maxAbsLogitDifference: Math.max(...valLogits.map((logit, i) => Math.abs(logit - options.headValLogits[i]!))),
    valAucShipped: rocAuc(valTruth, valLogits),
    valAucFromFeatures: rocAuc(valTruth, Array.from(options.headValLogits)),
  };
  log(`float16 check on HAM val: AUC ${float16Check.valAucShipped.toFixed(4)} shipped vs ${float16Check.valAucFromFeatures.toFixed(4)} float32 features, max |logit difference| ${float16Check.maxAbsLogitDifference.toFixed(4)}`);

  const calibration = fitCalibration(Float32Array.from(valLogits), valTruth);
  const valP = valLogits.map((logit) => applyCalibration(logit, calibration));
  const threshold = thresholdForSensitivity(valTruth, valP, 0.9);
  log(`calibration T=${calibration.temperature.toFixed(4)} bias=${calibration.bias.toFixed(4)}; threshold ${threshold.toFixed(4)} (sensitivity >= 0.90 on HAM val)`);

  const testLogits = await logitsOf(options.testImages, 'HAM test');
  const testTruth = malignant(options.testImages);
  const testP = testLogits.map((logit) => applyCalibration(logit, calibration));
  const groups = (images: LabelledImage[]) => images.map((image) => image.group);
  const test = metricsReport(testTruth, testP, threshold, { groups: groups(options.testImages) });

  const malignantRows = testTruth.flatMap((m, i) => (m ? [i] : []));
  const benignRows = shuffleInPlace(testTruth.flatMap((m, i) => (m ? [] : [i])), options.random).slice(0, malignantRows.length);
  const balancedRows = [...malignantRows, ...benignRows];
  const balancedTest = metricsReport(
    balancedRows.map((i) => testTruth[i]!),
    balancedRows.map((i) => testP[i]!),
    threshold,
    { groups: balancedRows.map((i) => options.testImages[i]!.group) },
  );

  const timings: number[] = [];
  for (let run = 0; run < 30; run++) timings.push((await classifier.classifyFile(options.testImages[run % options.testImages.length]!.file)).ms);
  timings.sort((a, b) => a - b);
  classifier.dispose();
  return {
    backend: classifier.backend,
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
    calibration,
    threshold,
    val: metricsReport(valTruth, valP, threshold, { groups: groups(options.valImages) }),
    test,
    balancedTest,
    float16Check,
    latencyMs: { p50: timings[Math.floor(timings.length / 2)]!, p95: timings[Math.floor(timings.length * 0.95)]!, runs: timings.length },
  };
}
