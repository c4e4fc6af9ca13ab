import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CARD_FILE, type ModelCard } from '../../src/classifier/modelCard.js';
import { tapName, type FeatureTap, type Flip } from '../../src/classifier/features.js';
import { HAM10000_DETAIL, MOBILENET_INPUT } from '../../src/classifier/preprocess.js';
import type { Recipe } from './ablation.js';
import type { Calibration } from './calibrate.js';
import type { ImageSet, LabelledImage } from './datasets.js';
import type { ShippedEvaluation } from './shippedEval.js';

export interface CardInputs {
  name: string;
  base: string;
  taps: FeatureTap[];
  testTimeFlips: Flip[];
  weights: { sha256: string; bytes: number };
  seed: number;
  recipe: Recipe;
  images: Record<ImageSet, LabelledImage[]>;
}

const IDENTITY: Calibration = { temperature: 1, bias: 0 };

/**
 * Writes model-card.json. Without an evaluation it is provisional (uncalibrated, threshold
 * 0.5): just enough for the classifier to load the model so that it can be evaluated.
 */
export function writeModelCard(dir: string, inputs: CardInputs, evaluation?: ShippedEvaluation): ModelCard {
  const count = (set: ImageSet, label: string) => inputs.images[set].filter((image) => image.label === label).length;
  const counts = (set: ImageSet) => ({ benign: count(set, 'benign'), malignant: count(set, 'malignant') });
  const calibration = evaluation?.calibration ?? IDENTITY;
  const alpha = /0\.25/.test(inputs.base) ? '0.25' : '0.75';
  const card: ModelCard = {
    name: inputs.name,
    version: '1.0.0',
    date: new Date().toISOString().slice(0, 10),
    architecture: `MobileNet V1 alpha ${alpha} 224 (ImageNet, frozen) -> pooled taps [${inputs.taps.map(tapName).join(', ')}] -> ${
      inputs.recipe.head.hidden > 0 ? `dense ${inputs.recipe.head.hidden} relu (dropout ${inputs.recipe.head.dropout} in training) -> ` : ''
    }dense 1 (malignant logit)`,
    base_weights: `Keras MobileNet V1 alpha ${alpha} ImageNet weights (Apache-2.0), frozen`,
    input: { ...MOBILENET_INPUT, detail: HAM10000_DETAIL, crop: 'centre-square', colour: 'RGB' },
    classes: ['benign', 'malignant'],
    output: 'malignant-logit',
    test_time_flips: inputs.testTimeFlips,
    calibration: { method: 'temperature-and-bias', ...calibration, fitted_on: 'HAM10000 val split (lesion-disjoint)' },
    threshold: evaluation?.threshold ?? 0.5,
    threshold_rule: 'highest threshold with sensitivity >= 0.90 on the HAM10000 val split, on calibrated probabilities',
    weights_sha256: inputs.weights.sha256,
    weights_dtype: 'float16',
    size_bytes: inputs.weights.bytes,
    training: {
      sets: {
        train: { 'ham10000 train': counts('ham-train'), 'isic-extra train': counts('isic-train') },
        selection_and_calibration: { 'ham10000 val': counts('ham-val') },
        secondary_val: { 'isic-extra val': counts('isic-val') },
        test: { 'ham10000 test': counts('ham-test') },
      },
      split_rule: 'HAM10000 split by lesion group (lesion-disjoint train/val/test, from ../shared/data/ham10000/split.csv); isic-extra used for training only',
      recipe: inputs.recipe,
      augmentation: inputs.recipe.head.flips ? 'horizontal, vertical and both flips (features of each flip cached)' : 'none',
      seed: inputs.seed,
    },
    metrics: evaluation ? { ham10000_test: evaluation.test, ham10000_test_balanced: evaluation.balancedTest, ham10000_val: evaluation.val, float16_check: evaluation.float16Check } : {},
    latency: evaluation ? { backend: evaluation.backend, per_image_ms: evaluation.latencyMs, machine: evaluation.machine } : {},
    intended_use:
      'Research and teaching: a second look at dermoscopic images of pigmented skin lesions by trained staff, as a reproduction of a published method. Not for diagnosis.',
    limits: [
      'Trained on dermoscopic images (HAM10000, ISIC); a plain webcam image of the skin looks different and the model has not been validated on such images.',
      'Light skin tones dominate the training data; performance on darker skin is unknown and likely worse.',
      'Seven HAM10000 diagnoses only (nv, bkl, df, vasc benign; mel, bcc, akiec malignant); other conditions are out of scope.',
      'Metrics come from one lesion-disjoint test split of about 1,000 lesions from the same sources as training; performance in a clinic will differ.',
      'The model learnt from small JPEG images (HAM10000: 200x150 pixels); larger pictures are first shrunk and compressed the same way (input.detail), without which camera-sized pictures were called malignant almost always. A webcam picture can still differ in ways this does not undo.',
      'The quality gate and the "not a lesion" check refuse pictures unlike the training images; they pass about 98% of HAM10000 test lesions and were checked on a few hundred non-lesion pictures only: passing them does not prove that a picture shows a lesion.',
    ],
    disclaimer: 'Not a medical device. Do not use it to diagnose, treat or rule out skin cancer; see a clinician.',
  };
  writeFileSync(path.join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}
