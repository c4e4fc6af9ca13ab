import { createHash } from 'node:crypto';
import { CHAINED_FIELDS, type CaptureRecord } from './records.js';

// Schema 2's hash chain over captures only, kept for migrations: schema 3's journal replaced it.

/** What a capture row's hash covered: the fields fixed when it was logged that schema 2 had (CHAINED_FIELDS). */
export type ChainedCapture = Pick<CaptureRecord, (typeof CHAINED_FIELDS)[number]>;

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
  const fields = [...CHAINED_FIELDS.map((field) => capture[field]), session.started_at, session.operator, session.patient_ref];
  return createHash('sha256').update(`${previousHash}\n${JSON.stringify(fields)}`).digest('hex');
}
