import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flip } from './features.js';
import type { InputSpec } from './preprocess.js';
import { ModelFolderError } from './layersFolder.js';
import type { OutOfDistributionSpec } from './outOfDistribution.js';

/** The metadata that travels with a shipped model (models/<name>/model-card.json). */
export interface ModelCard {
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
  uncertain_band?: { low: number; high: number; rule: string; measured?: Record<string, number> };
  out_of_distribution?: OutOfDistributionSpec & { measured?: Record<string, number> };
  weights_sha256: string;
  weights_dtype: 'float16' | 'float32';
  size_bytes: number;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  latency: Record<string, unknown>;
  intended_use: string;
  limits: string[];
  disclaimer: string;
}

export const CARD_FILE = 'model-card.json';

export async function readModelCard(dir: string): Promise<ModelCard> {
  const file = path.join(dir, CARD_FILE);
  let card: Partial<ModelCard>;
  try {
    card = JSON.parse(await readFile(file, 'utf8')) as Partial<ModelCard>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFolderError(code === 'ENOENT' ? `The model folder ${dir} has no ${CARD_FILE}.` : `The model card ${file} is not valid JSON.`);
  }
  const missing = (['name', 'input', 'threshold', 'calibration', 'weights_sha256', 'test_time_flips'] as const).filter(
    (key) => card[key] === undefined,
  );
  if (missing.length > 0) throw new ModelFolderError(`The model card ${file} lacks ${missing.join(', ')}.`);
  return card as ModelCard;
}
