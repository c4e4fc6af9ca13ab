import { setTimeout as sleep } from 'node:timers/promises';
import { vi, type Mock } from 'vitest';
import type { Explanation, Prediction } from '../../src/classifier/classifier.js';
import type { Label } from '../../src/classifier/decision.js';
import type { ImageClassifier, ModelInfo } from '../../src/classifier/workerClient.js';

export interface FakeClassifierOptions {
  /** Overrides of the model's description (a small fake model, on wasm, threshold 0.42, band 0.35–0.5). */
  info?: Partial<ModelInfo>;
  /**
   * Overrides of every classification's answer (p 0.1, quality ok, not-a-lesion score 3, 5 ms). Without a
   * label, the label is what the model's rules make of the rest: rejected when the quality is not ok,
   * uncertain inside the band, otherwise malignant or benign at the threshold.
   */
  answer?: Partial<Prediction>;
  /** How long each classification takes, so that keys and frames can arrive meanwhile (0: at once). */
  classifyMs?: number;
  /** What `explain` answers (a grey 16 x 16 square whose top half raised p(malignant)). */
  explanation?: Explanation;
  /** The shares done that `explain` reports, in order ([1]). */
  explainSteps?: readonly number[];
  /** How long `explain` waits before each step it reports (0). */
  explainStepMs?: number;
}

/** A classifier for tests of what uses one: each method a vitest mock, so a test can count calls or change answers. */
export interface FakeClassifier extends ImageClassifier {
  classify: Mock<ImageClassifier['classify']>;
  explain: Mock<ImageClassifier['explain']>;
  close: Mock<ImageClassifier['close']>;
}

export const FAKE_MODEL_INFO: ModelInfo = {
  modelId: 'fake@0123456789ab',
  modelName: 'fake',
  modelVersion: '9.9.9',
  modelSha256: '0123456789ab'.padEnd(64, '0'),
  backend: 'wasm',
  threshold: 0.42,
  uncertainBand: { low: 0.35, high: 0.5 },
  oodThreshold: 9,
};

/** The label the real decision rules give `answer` under `info` (see decide() in src/classifier/decision.ts). */
function labelFor(info: ModelInfo, p: number, qualityOk: boolean): Label {
  if (!qualityOk) return 'rejected';
  if (p >= info.uncertainBand.low && p < info.uncertainBand.high) return 'uncertain';
  return p >= info.threshold ? 'malignant' : 'benign';
}

export function fakeClassifier(options: FakeClassifierOptions = {}): FakeClassifier {
  const info: ModelInfo = { ...FAKE_MODEL_INFO, ...options.info };
  const p = options.answer?.p_malignant ?? 0.1;
  const quality = options.answer?.quality ?? { ok: true, reasons: [] };
  const answer: Prediction = { p_malignant: p, label: labelFor(info, p, quality.ok), quality, ood_score: 3, ms: 5, ...options.answer };
  const explanation: Explanation = options.explanation ?? {
    pixels: new Uint8Array(16 * 16 * 3).fill(128),
    size: 16,
    map: { grid: 2, heat: Float32Array.from([0.8, 0.8, -0.3, -0.3]), baseline: 1.2 },
  };
  return {
    info,
    classify: vi.fn<ImageClassifier['classify']>(async () => {
      if (options.classifyMs) await sleep(options.classifyMs);
      return structuredClone(answer);
    }),
    explain: vi.fn<ImageClassifier['explain']>(async (_image, onProgress) => {
      for (const done of options.explainSteps ?? [1]) {
        if (options.explainStepMs) await sleep(options.explainStepMs);
        onProgress?.(done);
      }
      return explanation;
    }),
    close: vi.fn<ImageClassifier['close']>(async () => undefined),
  };
}
