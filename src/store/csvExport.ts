import { stringify } from 'csv-stringify/sync';
import { localTime } from '../localTime.js';
import { escapeControlCharacters } from '../text.js';
import type { Capture, Lesion, Session } from './sessionLog.js';

export const CSV_COLUMNS = [
  'session_id', 'session_started_at', 'operator', 'patient_ref',
  'capture_id', 'captured_at', 'captured_at_local', 'image_path', 'image_sha256',
  'p_malignant', 'label', 'threshold', 'uncertain_low', 'uncertain_high', 'ood_score', 'ood_threshold',
  'quality_ok', 'quality_reasons', 'body_site', 'note', 'lesion_id', 'lesion_label',
  'camera', 'model_name', 'model_version', 'model_sha256', 'backend', 'app_version', 'latency_ms',
  'withdrawn_at', 'withdrawn_reason',
] as const;

/**
 * Rows stringified together (about 40 kB of CSV): few writes, and little garbage alive at each
 * collection (500 rows a chunk took the export of 100k captures from 115 to 136 MB peak RSS).
 */
const ROWS_PER_CHUNK = 100;

const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));

/**
 * Control characters other than a line feed or a tab. They are written as escapes (ESC as \u001b)
 * in every export, file or stdout alike, so that `export > file.csv` and `--out file.csv` give the same
 * bytes: such a character has no place in a clinical record (the app removes them from typed text;
 * they come from a camera path or a hand-edited log), and raw it would steer the terminal that
 * shows the export. A lone carriage return is escaped too: it could overwrite a line already shown.
 * Line feeds stay, quoted, as CSV allows: notes may have several lines.
 */
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * A cell that a spreadsheet would run as a formula (starting with = + - @ or a tab) gets a leading
 * apostrophe; a leading carriage return, the other such start, is escaped with the other control
 * characters (see TERMINAL_CONTROLS). Numbers are written as numbers and left alone.
 */
export function neutraliseCell(value: unknown): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  const text = String(value).replace(TERMINAL_CONTROLS, (character) => escapeControlCharacters(character));
  return /^[=+\-@\t]/.test(text) ? `'${text}` : text;
}

/** One capture's row: its fields, its session's and its lesion's label, in CSV_COLUMNS order. */
function captureRow(capture: Capture, session: Session | undefined, lesionLabel: string | undefined): (string | number)[] {
  const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    session_id: capture.session_id,
    session_started_at: session?.started_at,
    operator: session?.operator,
    patient_ref: session?.patient_ref,
    capture_id: capture.id,
    captured_at: capture.captured_at,
    captured_at_local: localTime(capture.captured_at),
    image_path: capture.image_path,
    image_sha256: capture.image_sha256,
    p_malignant: round(capture.p_malignant, 4),
    label: capture.label,
    threshold: round(capture.threshold, 4),
    uncertain_low: round(capture.uncertain_low, 4),
    uncertain_high: round(capture.uncertain_high, 4),
    ood_score: round(capture.ood_score, 2),
    ood_threshold: round(capture.ood_threshold, 2),
    quality_ok: capture.quality_ok === 1 ? 'true' : 'false',
    quality_reasons: (JSON.parse(capture.quality_reasons) as string[]).join('; '),
    body_site: capture.body_site,
    note: capture.note,
    lesion_id: capture.lesion_id,
    lesion_label: lesionLabel,
    camera: capture.camera,
    model_name: capture.model_name,
    model_version: capture.model_version,
    model_sha256: capture.model_sha256,
    backend: capture.backend,
    app_version: capture.app_version,
    latency_ms: round(capture.latency_ms, 0),
    withdrawn_at: capture.withdrawn_at,
    withdrawn_reason: capture.withdrawn_reason,
  };
  return CSV_COLUMNS.map((column) => neutraliseCell(row[column]));
}

const csvText = (rows: (string | number)[][]) => stringify(rows, { record_delimiter: '\r\n' });

/**
 * RFC 4180 CSV (UTF-8, CRLF line ends, a header row), one row per capture with its session's fields
 * and its lesion's label; withdrawn captures keep their row, marked. Yielded in chunks as the
 * captures come, so that an export of the whole log never holds more than a chunk of it.
 */
export function* capturesCsvChunks(sessions: Session[], captures: Iterable<Capture>, lesions: Lesion[]): Generator<string> {
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const lesionLabels = new Map(lesions.map((lesion) => [lesion.id, lesion.label]));
  yield csvText([[...CSV_COLUMNS]]);
  let rows: (string | number)[][] = [];
  for (const capture of captures) {
    rows.push(captureRow(capture, byId.get(capture.session_id), capture.lesion_id === null ? undefined : lesionLabels.get(capture.lesion_id)));
    if (rows.length === ROWS_PER_CHUNK) {
      yield csvText(rows);
      rows = [];
    }
  }
  if (rows.length > 0) yield csvText(rows);
}

/** The whole CSV as one string (capturesCsvChunks joined): for one session's export. */
export function capturesCsv(sessions: Session[], captures: Capture[], lesions: Lesion[]): string {
  return [...capturesCsvChunks(sessions, captures, lesions)].join('');
}
