import { createHash } from 'node:crypto';
import type { CaptureRecord } from './records.js';

// Schema 2's hash chain over captures only, kept for migrations: schema 3's journal replaced it.

/** What a capture row's hash covered: everything but the editable body site and note. */
export type ChainedCapture = CaptureRecord;

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
