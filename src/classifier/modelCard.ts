import path from 'node:path';
import { isJsonObject, isNonEmptyString } from '../jsonShape.js';
import type { QualityLimits } from '../quality/gate.js';
import { FLIPS, type Flip } from './features.js';
import type { InputSpec } from './preprocess.js';
import { MAX_MODEL_JSON_BYTES, ModelFolderError, readModelFile } from './modelFile.js';
import type { OutOfDistributionSpec } from './outOfDistribution.js';
import { PROBE_NAME, type ParitySpec } from './parity.js';

/** The card format this app reads; `npm run train` writes it. */
export const CARD_SCHEMA_VERSION = 2;

/** The metadata that travels with a shipped model (models/<name>/model-card.json). */
export interface ModelCard {
  schema_version: typeof CARD_SCHEMA_VERSION;
  name: string;
  version: string;
  date: string;
  architecture: string;
  base_weights: string;
  input: InputSpec & { crop: 'centre-square'; colour: 'RGB' };
  classes: ['benign', 'malignant'];
  /** The model outputs one logit for malignant; p = sigmoid(mean logit over flips / temperature + bias). */
  output: 'malignant-logit';
  test_time_flips: Flip[];
  calibration: { method: 'temperature-and-bias'; temperature: number; bias: number; fitted_on: string };
  threshold: number;
  threshold_rule: string;
  /** Calibrated probabilities from low (inclusive) to high where the answer is "uncertain". */
  uncertain_band: { low: number; high: number; rule: string; measured?: Record<string, number> };
  out_of_distribution: OutOfDistributionSpec & { measured?: Record<string, number> };
  /** The picture-quality gate's limits, read off the training images by the run that made the model. */
  quality_limits: QualityLimits & { rule: string };
  weights_sha256: string;
  /** The same folded network exported for ONNX Runtime (absent: the onnx backend is not offered for this model). */
  onnx?: OnnxSpec;
  /** The logits every backend must reproduce at load before it is used (absent in older cards: not checked). */
  parity?: ParitySpec;
  weights_dtype: 'float16' | 'float32';
  size_bytes: number;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  latency: Record<string, unknown>;
  /** Where the model came from: git commit, data manifest hash, time per stage. */
  provenance: Record<string, unknown>;
  intended_use: string;
  limits: string[];
  disclaimer: string;
}

export interface OnnxSpec {
  file: string;
  sha256: string;
  opset: number;
}

export const CARD_FILE = 'model-card.json';

type Check = (value: unknown) => boolean;
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const optional = (check: Check): Check => (v) => v === undefined || check(v);
const isOptionalNumber = optional(isNumber);
const isProbability: Check = (v) => isNumber(v) && (v as number) > 0 && (v as number) < 1;
const isIntegerIn = (low: number, high: number): Check => (v) => Number.isInteger(v) && (v as number) >= low && (v as number) <= high;
const isSha256: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const fields = (checks: Record<string, Check>): Check => (v) => isJsonObject(v) && Object.entries(checks).every(([key, check]) => check(v[key]));
const isBand: Check = (v) => {
  if (!fields({ low: isNumber, high: isNumber })(v)) return false;
  const { low, high } = v as ModelCard['uncertain_band'];
  return low >= 0 && low <= high && high <= 1;
};

/** Each field of the card with the test its value must pass; the first that fails names the field. */
const CARD_FIELDS: Record<keyof ModelCard, Check> = {
  schema_version: (v) => v === CARD_SCHEMA_VERSION,
  name: isNonEmptyString,
  version: isNonEmptyString,
  date: isNonEmptyString,
  architecture: isNonEmptyString,
  base_weights: isNonEmptyString,
  input: fields({
    size: isIntegerIn(32, 1024),
    // the training images' centre square and JPEG quality (src/classifier/preprocess.ts); a side or quality out of range refuses or distorts every picture
    detail: optional(fields({ side: isIntegerIn(32, 4096), jpeg_quality: isIntegerIn(1, 100) })),
    frame: optional((v) => v === 'crop-and-fill'),
    normalisation: (v) => v === 'mobilenet',
  }),
  classes: (v) => Array.isArray(v) && v[0] === 'benign' && v[1] === 'malignant',
  output: (v) => v === 'malignant-logit',
  test_time_flips: (v) => Array.isArray(v) && v.length > 0 && v.every((flip) => FLIPS.includes(flip as Flip)),
  // a temperature near 0 makes every probability 0 or 1; a fitted one is near 1
  calibration: fields({ temperature: (v) => isNumber(v) && (v as number) >= 0.01 && (v as number) <= 100, bias: isNumber }),
  threshold: isProbability,
  threshold_rule: isNonEmptyString,
  uncertain_band: isBand,
  out_of_distribution: fields({ layer: isNonEmptyString, file: isNonEmptyString, sha256: isNonEmptyString, dims: isNumber, threshold: isNumber }),
  quality_limits: fields({
    minSharpness: isNumber, minBrightness: isNumber, maxBrightness: isNumber, maxClippedDark: isNumber,
    maxClippedBright: isNumber, minLesionArea: isNumber, maxLesionOffset: isNumber, minLesionContrast: isNumber,
    // the damage limits came later: a card without them still loads
    minRedGreen: isOptionalNumber, maxRedGreen: isOptionalNumber, minYellowBlue: isOptionalNumber, maxYellowBlue: isOptionalNumber,
    maxNoise: isOptionalNumber, maxBlankRows: isOptionalNumber, minCentreDetail: isOptionalNumber,
  }),
  weights_sha256: isSha256,
  onnx: optional(fields({ file: isNonEmptyString, sha256: isSha256, opset: isNumber })),
  parity: optional(fields({
    probe: (v) => v === PROBE_NAME,
    logits: (v) => Array.isArray(v) && v.length > 0 && v.every(isNumber),
    tolerance: (v) => isNumber(v) && (v as number) > 0,
  })),
  weights_dtype: (v) => v === 'float16' || v === 'float32',
  size_bytes: isNumber,
  training: isJsonObject,
  metrics: isJsonObject,
  latency: isJsonObject,
  provenance: isJsonObject,
  intended_use: isNonEmptyString,
  limits: (v) => Array.isArray(v) && v.length > 0,
  disclaimer: isNonEmptyString,
};

/** Reads and checks a model card; a card with a missing or malformed field is refused in one sentence. */
export async function readModelCard(dir: string): Promise<ModelCard> {
  const file = path.join(dir, CARD_FILE);
  const text = await readModelFile(dir, CARD_FILE, { what: 'model card', maxBytes: MAX_MODEL_JSON_BYTES, missing: `The model folder ${dir} has no ${CARD_FILE}.` });
  let card: unknown;
  try {
    card = JSON.parse(text.toString('utf8'));
  } catch {
    throw new ModelFolderError(`The model card ${file} is not valid JSON.`);
  }
  if (!isJsonObject(card)) throw new ModelFolderError(`The model card ${file} is not a JSON object.`);
  if (card.schema_version !== CARD_SCHEMA_VERSION) {
    throw new ModelFolderError(
      `The model card ${file} has schema version ${JSON.stringify(card.schema_version ?? null)} where this app reads version ${CARD_SCHEMA_VERSION}; retrain or update the app.`,
    );
  }
  const bad = (Object.entries(CARD_FIELDS) as [string, Check][]).filter(([key, check]) => !check(card[key])).map(([key]) => key);
  if (bad.length > 0) throw new ModelFolderError(`The model card ${file} lacks a valid ${bad.join(', ')}.`);
  return card as unknown as ModelCard;
}
