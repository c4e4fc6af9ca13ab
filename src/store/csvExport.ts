import { stringify } from 'csv-stringify/sync';
import { localTime } from '../localTime.js';
import { escapeControlCharacters } from '../text.js';
import { CAPTURE_FIELDS, columnSpec, type Capture, type Lesion, type Session } from './records.js';

/** What a CSV row is made from: a capture, its session, and its lesion's label. */
interface RowSources {
  capture: Capture;
  session: Session | undefined;
  lesionLabel: string | undefined;
}

/** The CSV's columns beside the capture's own: its session's fields, its time in this machine's zone, its lesion's label. */
const ADDED_COLUMNS: Record<string, (row: RowSources) => unknown> = {
  session_started_at: ({ session }) => session?.started_at,
  operator: ({ session }) => session?.operator,
  patient_ref: ({ session }) => session?.patient_ref,
  captured_at_local: ({ capture }) => localTime(capture.captured_at),
  lesion_label: ({ lesionLabel }) => lesionLabel,
};

/** Each capture column's cell, under its name in the CSV, as its definition says to write it. */
const CAPTURE_CELLS: Record<string, (row: RowSources) => unknown> = Object.fromEntries(
  CAPTURE_FIELDS.map((column) => {
    const { csv, csvName } = columnSpec(column);
    const write = csv as ((value: unknown) => unknown) | undefined;
    return [csvName ?? column, write ? ({ capture }: RowSources) => write(capture[column]) : ({ capture }: RowSources) => capture[column]];
  }),
);

/**
 * The columns in the order the CSV has always had them: a contract, as a reader may take a column
 * by its place. A capture column not named here (one added since) comes after them, in the order
 * of CAPTURE_COLUMNS.
 */
const CSV_ORDER = [
  'session_id', 'session_started_at', 'operator', 'patient_ref',
  'capture_id', 'captured_at', 'captured_at_local', 'image_path', 'image_sha256',
  'p_malignant', 'label', 'threshold', 'uncertain_low', 'uncertain_high', 'ood_score', 'ood_threshold',
  'quality_ok', 'quality_reasons', 'body_site', 'note', 'lesion_id', 'lesion_label',
  'camera', 'model_name', 'model_version', 'model_sha256', 'backend', 'app_version', 'latency_ms',
  'withdrawn_at', 'withdrawn_reason',
];

export const CSV_COLUMNS: readonly string[] = [...CSV_ORDER, ...Object.keys(CAPTURE_CELLS).filter((column) => !CSV_ORDER.includes(column))];

const CELLS = CSV_COLUMNS.map((column) => CAPTURE_CELLS[column] ?? ADDED_COLUMNS[column]!);

/**
 * Rows stringified together (about 40 kB of CSV): few writes, and little garbage alive at each
 * collection (500 rows a chunk took the export of 100k captures from 115 to 136 MB peak RSS).
 */
const ROWS_PER_CHUNK = 100;

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
function captureRow(sources: RowSources): (string | number)[] {
  return CELLS.map((cell) => neutraliseCell(cell(sources)));
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
    rows.push(captureRow({ capture, session: byId.get(capture.session_id), lesionLabel: capture.lesion_id === null ? undefined : lesionLabels.get(capture.lesion_id) }));
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
