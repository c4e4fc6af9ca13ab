import { stringify } from 'csv-stringify/sync';
import type { Capture, Session } from './sessionLog.js';

export const CSV_COLUMNS = [
  'session_id', 'session_started_at', 'operator', 'patient_ref',
  'capture_id', 'captured_at', 'image_path', 'image_sha256',
  'p_malignant', 'label', 'threshold', 'quality_ok', 'quality_reasons',
  'body_site', 'note', 'model_name', 'model_sha256', 'backend', 'latency_ms',
  'withdrawn_at', 'withdrawn_reason',
] as const;

/**
 * A cell that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
 * return) gets a leading apostrophe. Numbers are written as numbers and left alone.
 */
export function neutraliseCell(value: unknown): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  const text = String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180 CSV (UTF-8, CRLF line ends, a header row), one row per capture with its session's fields; withdrawn captures keep their row, marked. */
export function capturesCsv(sessions: Session[], captures: Capture[]): string {
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const rows = captures.map((capture) => {
    const session = byId.get(capture.session_id);
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      session_id: capture.session_id,
      session_started_at: session?.started_at,
      operator: session?.operator,
      patient_ref: session?.patient_ref,
      capture_id: capture.id,
      captured_at: capture.captured_at,
      image_path: capture.image_path,
      image_sha256: capture.image_sha256,
      p_malignant: capture.p_malignant,
      label: capture.label,
      threshold: capture.threshold,
      quality_ok: capture.quality_ok,
      quality_reasons: (JSON.parse(capture.quality_reasons) as string[]).join('; '),
      body_site: capture.body_site,
      note: capture.note,
      model_name: capture.model_name,
      model_sha256: capture.model_sha256,
      backend: capture.backend,
      latency_ms: capture.latency_ms,
      withdrawn_at: capture.withdrawn_at,
      withdrawn_reason: capture.withdrawn_reason,
    };
    return CSV_COLUMNS.map((column) => neutraliseCell(row[column]));
  });
  return stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: '\r\n' });
}
