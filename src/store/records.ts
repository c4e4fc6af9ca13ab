/** A session as listed: its fields and how many captures it holds (withdrawn ones not counted). */
export interface Session {
  id: string;
  started_at: string;
  operator: string;
  patient_ref: string | null;
  captures: number;
}

/** What the classifier said about one capture, and what took it. */
export interface CaptureResult {
  p_malignant: number | null;
  label: 'benign' | 'malignant' | 'uncertain' | 'rejected';
  threshold: number | null;
  uncertain_low?: number | null;
  uncertain_high?: number | null;
  ood_score?: number | null;
  ood_threshold?: number | null;
  model_name: string;
  model_version?: string | null;
  model_sha256: string;
  backend: string;
  latency_ms: number | null;
  quality: { ok: boolean; reasons: string[] };
  camera?: string | null;
  app_version?: string | null;
}

/** The fields fixed when a capture is logged. */
export interface CaptureRecord {
  id: string;
  session_id: string;
  captured_at: string;
  image_path: string;
  image_sha256: string;
  p_malignant: number | null;
  label: string;
  threshold: number | null;
  model_name: string;
  model_sha256: string;
  backend: string;
  latency_ms: number | null;
  quality_ok: number;
  quality_reasons: string;
  uncertain_low: number | null;
  uncertain_high: number | null;
  ood_score: number | null;
  ood_threshold: number | null;
  model_version: string | null;
  camera: string | null;
  app_version: string | null;
}

/** A capture row: its record, what annotations set, the lesion it shows, and its withdrawal if it was withdrawn (a retake). */
export interface Capture extends CaptureRecord {
  body_site: string | null;
  note: string | null;
  lesion_id: string | null;
  withdrawn_at: string | null;
  withdrawn_reason: string | null;
}

/** What begins a patient reference that dermacam made for a session begun without one. */
export const GENERATED_REF_PREFIX = 'DERMACAM-';

export const SESSION_FIELDS = ['id', 'started_at', 'operator', 'patient_ref'] as const;

export const CAPTURE_FIELDS = [
  'id', 'session_id', 'captured_at', 'image_path', 'image_sha256', 'p_malignant', 'label', 'threshold', 'model_name',
  'model_sha256', 'backend', 'latency_ms', 'quality_ok', 'quality_reasons', 'uncertain_low', 'uncertain_high', 'ood_score',
  'ood_threshold', 'model_version', 'camera', 'app_version', 'body_site', 'note', 'lesion_id', 'withdrawn_at', 'withdrawn_reason',
] as const satisfies readonly (keyof Capture)[];

/** A lesion followed over visits: one patient's, at one body site, with a short label to say it by ("L2"). */
export interface Lesion {
  id: string;
  patient_ref: string;
  body_site: string | null;
  label: string;
  created_at: string;
}

export const LESION_FIELDS = ['id', 'patient_ref', 'body_site', 'label', 'created_at'] as const satisfies readonly (keyof Lesion)[];
