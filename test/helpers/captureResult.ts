import type { CaptureResult } from '../../src/store/records.js';

/** A classifier result as the app logs it, for tests that need captures in a log. */
export const SAMPLE_RESULT: CaptureResult = {
  p_malignant: 0.354,
  label: 'malignant',
  threshold: 0.166,
  uncertain_low: 0.126,
  uncertain_high: 0.215,
  ood_score: 16.8,
  ood_threshold: 24.4,
  model_name: 'dermacam-mnv1-075',
  model_version: '2.0.0',
  model_sha256: 'c8b51c6a9fdc'.padEnd(64, '0'),
  backend: 'onnx',
  latency_ms: 32,
  quality: { ok: true, reasons: [] },
  camera: 'file ISIC_0024358.jpg',
  app_version: '0.1.0',
};
