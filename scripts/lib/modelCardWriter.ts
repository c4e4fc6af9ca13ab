import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Flip } from '../../src/classifier/features.js';
import { CARD_FILE, CARD_SCHEMA_VERSION, type ModelCard } from '../../src/classifier/modelCard.js';
import type { InputSpec } from '../../src/classifier/preprocess.js';
import type { FineTuneExport } from './fineTunedModel.js';
import { JPEG_COPY_QUALITY } from './pixelCache.js';
import { POOLED_RULES } from './pooledRules.js';

export interface CardInputs {
  name: string;
  alpha: string;
  input: InputSpec;
  testTimeFlips: Flip[];
  weights: { sha256: string; bytes: number; dtype: 'float16' | 'float32' };
  runtimes: Pick<ModelCard, 'onnx' | 'parity'>;
  fineTune: FineTuneExport;
  setCounts: Record<string, { benign: number; malignant: number }>;
  calibration: ModelCard['calibration'];
  threshold: number;
  uncertainBand: ModelCard['uncertain_band'];
  outOfDistribution: ModelCard['out_of_distribution'];
  qualityLimits: ModelCard['quality_limits'];
  metrics: Record<string, unknown>;
  latency: Record<string, unknown>;
  provenance: Record<string, unknown>;
  seed: number;
  /** A HAM10000 acquisition source left out of training and val (a study of unseen cameras, never a shipped model). */
  leftOutSource?: string;
}

/** finetune.py's own description of its recipe, and the quality of the JPEG copies the pixel cache made for it. */
function augmentationText({ text, jpeg_copy_rate }: FineTuneExport['augmentation']): string {
  return jpeg_copy_rate > 0 ? `${text}; the JPEG copies at quality ${JPEG_COPY_QUALITY.min}-${JPEG_COPY_QUALITY.max}` : text;
}

/** Six significant digits are more than any figure of the card means, and keep the model folder small. */
const rounded = (_: string, v: unknown) => (typeof v !== 'number' ? v : !Number.isFinite(v) ? null : Number.isInteger(v) ? v : Number(v.toPrecision(6)));

/**
 * The card as indented JSON with each array of plain values on one line (a table row, a list of
 * flips): readable, and a third smaller than one value a line, which keeps the folder under 6 MB.
 * Elements are split where JSON.stringify put a line break, which no string can hold.
 */
export function cardJson(card: unknown): string {
  return `${JSON.stringify(card, rounded, 2).replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, (_, inner: string) => `[${inner.split(/,\n\s*/).join(', ')}]`)}\n`;
}

/** Writes model-card.json (schema version CARD_SCHEMA_VERSION) into the model folder. */
export function writeModelCard(dir: string, inputs: CardInputs): ModelCard {
  const ft = inputs.fineTune;
  const trained = ft.mode === 'all' ? 'fine-tuned end to end' : ft.mode === 'last4' ? 'last 4 blocks fine-tuned' : 'frozen';
  const card: ModelCard = {
    schema_version: CARD_SCHEMA_VERSION,
    name: inputs.name,
    version: '3.0.2', // 3.0.2: v3's weights; the card's limits add the unseen clinic, its augmentation text is finetune.py's own
    date: new Date().toISOString().slice(0, 10),
    architecture: `MobileNet V1 alpha ${inputs.alpha} at ${inputs.input.size}x${inputs.input.size} (ImageNet start, ${trained}) -> average-pooled conv_pw_9..13 and max-pooled conv_pw_11, 13 -> dense ${ft.hidden} relu (dropout in training) -> dense 1 (malignant logit)`,
    base_weights: `Keras MobileNet V1 alpha ${inputs.alpha} ImageNet weights (Apache-2.0) as the starting point`,
    input: { ...inputs.input, crop: 'centre-square', colour: 'RGB' },
    classes: ['benign', 'malignant'],
    output: 'malignant-logit',
    test_time_flips: inputs.testTimeFlips,
    calibration: inputs.calibration,
    threshold: inputs.threshold,
    threshold_rule: POOLED_RULES.threshold,
    uncertain_band: inputs.uncertainBand,
    out_of_distribution: inputs.outOfDistribution,
    quality_limits: inputs.qualityLimits,
    weights_sha256: inputs.weights.sha256,
    onnx: inputs.runtimes.onnx,
    parity: inputs.runtimes.parity,
    weights_dtype: inputs.weights.dtype,
    size_bytes: inputs.weights.bytes,
    training: {
      sets: inputs.setCounts,
      split_rule: `HAM10000 split by lesion group (lesion-disjoint train/val/test, from ../shared/data/ham10000/split.csv); isic-extra used for training, and its val split as a second view${inputs.leftOutSource ? `; HAM10000 source ${inputs.leftOutSource} left out of training and val (kept in test)` : ''}`,
      method: {
        layers_trained: ft.mode,
        augmentation: augmentationText(ft.augmentation),
        optimiser: 'AdamW, linear warm-up then cosine decay, class-weighted loss (malignant by benign/malignant ratio)',
        selection: `best epoch by HAM10000 val AUC, raw or EMA weights (chosen: epoch ${ft.best.epoch + 1}, ${ft.best.weights})`,
        distilled_from_teacher: ft.distilled,
      },
      // epochs counted from 1, as the selection above and the training report count them (finetune.py counts from 0)
      history: ft.history.map((row) => ({ ...row, epoch: row.epoch! + 1 })),
      test_time_flips_on_val: ft.test_time_flips,
      seed: inputs.seed,
    },
    metrics: inputs.metrics,
    latency: inputs.latency,
    provenance: inputs.provenance,
    intended_use:
      'Research and teaching: a second look at dermoscopic images of pigmented skin lesions by trained staff, as a reproduction and extension of a published method. Not for diagnosis.',
    limits: [
      'Trained on dermoscopic images (HAM10000, ISIC); a plain webcam image of the skin looks different, and the model has not been validated on such images. The camera augmentation narrows, but does not close, that gap.',
      ...(inputs.input.frame === 'crop-and-fill'
        ? ['A dark frame (a dermatoscope\'s round field, black corners) is cut away and painted the colour of the skin at its edge before the model sees a picture, in training and in the app (input.frame); a frame lighter than near-black, or one that leaves a corner free, is not taken out.']
        : []),
      'Judged on what lies around the lesion only as far as metrics.robustness measures it (val images with a dark field, markings, other geometry and camera artefacts painted on); real frames, rulers and ink differ from those drawn.',
      'Light skin tones dominate the training data; performance on darker skin is unknown and likely worse.',
      'Seven HAM10000 diagnoses only (nv, bkl, df, vasc benign; mel, bcc, akiec malignant); other conditions are out of scope. See metrics.ham10000_test.subgroups for where it is weaker.',
      'Metrics come from one lesion-disjoint test split of about 1,000 lesions from the same sources as training; performance in a clinic will differ.',
      'An unseen clinic costs accuracy, without warning: trained without HAM10000\'s rosendahl clinic, v3\'s recipe had AUC 0.65 there (0.77 with it), and "not a lesion" refused 1.1% of its pictures.',
      'The model learnt from small JPEG images (HAM10000: 200x150 pixels); larger pictures are first shrunk and compressed the same way (input.detail).',
      'The quality gate and the "not a lesion" check refuse pictures unlike the training images; passing them does not prove that a picture shows a lesion.',
    ],
    disclaimer: 'Not a medical device. Do not use it to diagnose, treat or rule out skin cancer; see a clinician.',
  };
  writeFileSync(path.join(dir, CARD_FILE), cardJson(card));
  return card;
}
