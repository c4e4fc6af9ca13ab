import { createHash } from 'node:crypto';

/** The hash a log starts from, before its first capture. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a capture row's hash covers: everything but the editable body site and note. */
export interface ChainedCapture {
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
}

export interface ChainedSession {
  started_at: string;
  operator: string;
  patient_ref: string | null;
}

/**
 * Tamper evidence: each capture's hash covers its own fields, its session's, and the hash of
 * the capture before it, so editing, removing or reordering an earlier row breaks every link after it.
 */
export function captureHash(previousHash: string, capture: ChainedCapture, session: ChainedSession): string {
  const fields = [
    capture.id, capture.session_id, capture.captured_at, capture.image_path, capture.image_sha256, capture.p_malignant,
    capture.label, capture.threshold, capture.model_name, capture.model_sha256, capture.backend, capture.latency_ms,
    capture.quality_ok, capture.quality_reasons, session.started_at, session.operator, session.patient_ref,
  ];
  return createHash('sha256').update(`${previousHash}\n${JSON.stringify(fields)}`).digest('hex');
}
