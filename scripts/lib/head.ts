import * as tf from '@tensorflow/tfjs';
import { FLIPS, type Flip } from '../../src/classifier/features.js';
import { rocAuc } from '../../src/metrics/index.js';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import { formatDuration } from './progress.js';
import { shuffleInPlace, type FeatureMatrix } from './trainData.js';

/** One configuration of the classification head: a row of the ablation table. */
export interface HeadConfig {
  /** Hidden units (0 = a linear head, i.e. logistic regression on the features). */
  hidden: number;
  dropout: number;
  /** Train on a random flip of each image per epoch (the paper's augmentation). */
  flips: boolean;
  /** Weigh malignant examples by the benign/malignant ratio. */
  classWeight: boolean;
  labelSmoothing: number;
  reduceLrOnPlateau: boolean;
  /** Score validation images as the mean logit over the four flips. */
  testTimeFlips: boolean;
  l2: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  seed: number;
}

export interface TrainedHead {
  model: tf.Sequential;
  bestEpoch: number;
  bestAuc: number;
  epochsRun: number;
}

class AdjustableAdam extends tf.AdamOptimizer {
  get rate(): number {
    return this.learningRate;
  }
  set rate(value: number) {
    this.learningRate = value;
  }
}

export function buildHead(dims: number, config: HeadConfig): tf.Sequential {
  const model = tf.sequential();
  const regularizer = config.l2 > 0 ? tf.regularizers.l2({ l2: config.l2 }) : undefined;
  if (config.hidden > 0) {
    model.add(
      tf.layers.dense({
        inputShape: [dims],
        units: config.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed }),
        kernelRegularizer: regularizer,
        name: 'head_hidden',
      }),
    );
    if (config.dropout > 0) model.add(tf.layers.dropout({ rate: config.dropout, seed: config.seed, name: 'head_dropout' }));
  }
  model.add(
    tf.layers.dense({
      ...(config.hidden > 0 ? {} : { inputShape: [dims] }),
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + 1 }),
      kernelRegularizer: regularizer,
      name: 'head_logit',
    }),
  );
  return model;
}

/** Mean logit over the flips (or the plain image), one per row. */
export function predictLogits(model: tf.LayersModel, matrix: FeatureMatrix, testTimeFlips: boolean): Float32Array {
  const flips = testTimeFlips ? FLIPS.filter((flip) => matrix.byFlip[flip]) : (['none'] as Flip[]);
  const sum = new Float32Array(matrix.rows);
  for (const flip of flips) {
    const logits = tf.tidy(() => (model.predict(tf.tensor2d(matrix.byFlip[flip]!, [matrix.rows, matrix.dims])) as tf.Tensor).dataSync());
    logits.forEach((value, i) => (sum[i]! += value / flips.length));
  }
  return sum;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Trains a head with early stopping on `monitor` AUC, keeping the best epoch's weights
 * (checkpointing); optionally halves the learning rate after each epoch without progress.
 */
export function trainHead(train: FeatureMatrix, monitor: FeatureMatrix, config: HeadConfig, log: (line: string) => void): TrainedHead {
  const random = seededRandom(config.seed);
  const model = buildHead(train.dims, config);
  const optimizer = new AdjustableAdam(config.learningRate, 0.9, 0.999, 1e-7);
  const availableFlips = FLIPS.filter((flip) => train.byFlip[flip]);
  const positives = train.malignant.filter(Boolean).length;
  const positiveWeight = config.classWeight ? (train.rows - positives) / positives : 1;

  let best = { auc: -1, epoch: -1, weights: [] as tf.Tensor[] };
  let sinceImprovement = 0;
  let epoch = 0;
  const started = Date.now();
  for (; epoch < config.epochs && sinceImprovement < config.patience; epoch++) {
    const order = shuffleInPlace(Array.from({ length: train.rows }, (_, i) => i), random);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += config.batchSize) {
      const rows = order.slice(start, start + config.batchSize);
      const x = new Float32Array(rows.length * train.dims);
      const y = new Float32Array(rows.length);
      const w = new Float32Array(rows.length);
      rows.forEach((row, i) => {
        const flip = config.flips ? availableFlips[Math.floor(random() * availableFlips.length)]! : 'none';
        x.set(train.byFlip[flip]!.subarray(row * train.dims, (row + 1) * train.dims), i * train.dims);
        y[i] = train.malignant[row] ? 1 : 0;
        w[i] = train.malignant[row] ? positiveWeight : 1;
      });
      const loss = tf.tidy(() => {
        const xs = tf.tensor2d(x, [rows.length, train.dims]);
        const ys = tf.tensor2d(y, [rows.length, 1]);
        const ws = tf.tensor2d(w, [rows.length, 1]);
        return optimizer.minimize(() => {
          const logits = model.apply(xs, { training: true }) as tf.Tensor;
          const dataLoss = tf.losses.sigmoidCrossEntropy(ys, logits, ws, config.labelSmoothing);
          const penalties = model.losses.map((penalty) => (typeof penalty === 'function' ? penalty() : penalty));
          return (penalties.length > 0 ? tf.addN([dataLoss, ...penalties]) : dataLoss) as tf.Scalar;
        }, true) as tf.Scalar;
      });
      lossSum += loss.dataSync()[0]! * rows.length;
      loss.dispose();
    }
    const auc = rocAuc(monitor.malignant, Array.from(predictLogits(model, monitor, config.testTimeFlips), sigmoid));
    const perEpoch = (Date.now() - started) / 1000 / (epoch + 1);
    log(
      `  epoch ${epoch + 1}/${config.epochs} loss ${(lossSum / train.rows).toFixed(4)} monitor AUC ${auc.toFixed(4)} lr ${optimizer.rate.toExponential(1)}` +
        ` (${perEpoch.toFixed(1)} s/epoch, at most ${formatDuration(perEpoch * (config.epochs - epoch - 1))} left)`,
    );
    if (auc > best.auc) {
      best.weights.forEach((t) => t.dispose());
      best = { auc, epoch: epoch + 1, weights: model.getWeights().map((t) => t.clone()) };
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
      if (config.reduceLrOnPlateau) optimizer.rate = optimizer.rate / 2; // patience 1, factor 0.5
    }
  }
  model.setWeights(best.weights);
  best.weights.forEach((t) => t.dispose());
  optimizer.dispose();
  return { model, bestEpoch: best.epoch, bestAuc: best.auc, epochsRun: epoch };
}
