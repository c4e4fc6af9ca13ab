import type { FeatureTap } from '../../src/classifier/features.js';
import { rocAuc } from '../../src/metrics/index.js';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import { confusionAt, ratesOf } from '../../src/metrics/confusion.js';
import { thresholdForSensitivity } from '../../src/metrics/threshold.js';
import { predictLogits, trainHead, type HeadConfig, type TrainedHead } from './head.js';
import { fitStandardisation, groupFolds, selectTaps, standardise, subsetRows, type FeatureMatrix } from './trainData.js';

/** A full training recipe: which features, whether to cross-validate, and the head. */
export interface Recipe {
  taps: FeatureTap[];
  folds: number;
  head: HeadConfig;
}

export interface RowResult {
  step: string;
  kept: boolean;
  valAuc: number;
  valAucSd?: number;
  ensembleValAuc?: number;
  heldOutAuc?: number;
  heldOutAucSd?: number;
  specificityAtSens90: number;
  isicValAuc: number;
  epochs: string;
  seconds: number;
}

export interface Sets {
  train: FeatureMatrix;
  hamVal: FeatureMatrix;
  isicVal: FeatureMatrix;
  /** Channels of a tap's layer, i.e. its width in the cached rows. */
  channels: (tap: FeatureTap) => number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/** The data of a recipe: its taps, standardised with statistics of the training rows. */
export function prepareSets(sets: Sets, taps: FeatureTap[]) {
  const train = selectTaps(sets.train, taps, sets.channels);
  const standardisation = fitStandardisation(train);
  return {
    standardisation,
    train: standardise(train, standardisation),
    hamVal: standardise(selectTaps(sets.hamVal, taps, sets.channels), standardisation),
    isicVal: standardise(selectTaps(sets.isicVal, taps, sets.channels), standardisation),
  };
}

export function specificityAtSensitivity(malignant: boolean[], p: number[], target: number): number {
  return ratesOf(confusionAt(malignant, p, thresholdForSensitivity(malignant, p, target))).specificity;
}

/** Trains one ablation row and measures it on the HAM val split (and isic-extra val). */
export function runRow(step: string, recipe: Recipe, sets: Sets, log: (line: string) => void): Omit<RowResult, 'kept'> {
  const started = Date.now();
  const data = prepareSets(sets, recipe.taps);
  const score = (head: TrainedHead, matrix: FeatureMatrix) => Array.from(predictLogits(head.model, matrix, recipe.head.testTimeFlips), sigmoid);
  log(`row "${step}": ${data.train.dims} features, ${recipe.folds > 1 ? `${recipe.folds}-fold CV` : 'single split'}`);

  if (recipe.folds <= 1) {
    const head = trainHead(data.train, data.hamVal, recipe.head, log);
    const p = score(head, data.hamVal);
    const row = {
      step,
      valAuc: rocAuc(data.hamVal.malignant, p),
      specificityAtSens90: specificityAtSensitivity(data.hamVal.malignant, p, 0.9),
      isicValAuc: rocAuc(data.isicVal.malignant, score(head, data.isicVal)),
      epochs: `${head.bestEpoch}/${head.epochsRun}`,
      seconds: (Date.now() - started) / 1000,
    };
    head.model.dispose();
    return row;
  }

  const folds = groupFolds(data.train, recipe.folds, seededRandom(recipe.head.seed));
  const heldOutAucs: number[] = [];
  const valAucs: number[] = [];
  const ensembleSum = new Array<number>(data.hamVal.rows).fill(0);
  const isicSum = new Array<number>(data.isicVal.rows).fill(0);
  const bestEpochs: number[] = [];
  folds.forEach((heldOutRows, k) => {
    const heldOut = new Set(heldOutRows);
    const trainRows = Array.from({ length: data.train.rows }, (_, i) => i).filter((i) => !heldOut.has(i));
    log(` fold ${k + 1}/${recipe.folds}`);
    // early stopping watches HAM val, the selection set, as in the single-split rows
    const head = trainHead(subsetRows(data.train, trainRows), data.hamVal, { ...recipe.head, seed: recipe.head.seed + k }, log);
    const heldOutFold = subsetRows(data.train, heldOutRows);
    heldOutAucs.push(rocAuc(heldOutFold.malignant, score(head, heldOutFold)));
    const p = score(head, data.hamVal);
    valAucs.push(rocAuc(data.hamVal.malignant, p));
    p.forEach((value, i) => (ensembleSum[i]! += value / recipe.folds));
    score(head, data.isicVal).forEach((value, i) => (isicSum[i]! += value / recipe.folds));
    bestEpochs.push(head.bestEpoch);
    head.model.dispose();
  });
  return {
    step,
    valAuc: mean(valAucs),
    valAucSd: sd(valAucs),
    ensembleValAuc: rocAuc(data.hamVal.malignant, ensembleSum),
    heldOutAuc: mean(heldOutAucs),
    heldOutAucSd: sd(heldOutAucs),
    specificityAtSens90: specificityAtSensitivity(data.hamVal.malignant, ensembleSum, 0.9),
    isicValAuc: rocAuc(data.isicVal.malignant, isicSum),
    epochs: bestEpochs.join(','),
    seconds: (Date.now() - started) / 1000,
  };
}

/** One step of the paper's progression (or beyond it): a change to the current best recipe. */
export interface AblationStep {
  step: string;
  change: (recipe: Recipe) => Recipe;
}

/**
 * Applies the steps in order; a step is kept when it raises the mean HAM-val AUC, otherwise
 * the next step builds on the recipe without it. The paper's own steps are always kept, so
 * that the table reproduces its progression.
 */
export function runAblation(
  start: Recipe,
  steps: (AblationStep & { paper: boolean })[],
  sets: Sets,
  log: (line: string) => void,
): { rows: RowResult[]; best: Recipe } {
  const rows: RowResult[] = [];
  let best = start;
  let bestAuc = -1;
  for (const { step, change, paper } of steps) {
    const recipe = change(best);
    const row = runRow(step, recipe, sets, log);
    const kept = paper || row.valAuc > bestAuc;
    rows.push({ ...row, kept });
    log(`row "${step}": val AUC ${row.valAuc.toFixed(4)} ${kept ? 'kept' : 'dropped'} (${row.seconds.toFixed(0)} s)`);
    if (kept) {
      best = recipe;
      bestAuc = row.valAuc;
    }
  }
  return { rows, best };
}
