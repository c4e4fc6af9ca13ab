import type { Label } from '../classifier/decision.js';
import type { QualityVerdict } from '../quality/gate.js';

/** A session as listed: its fields and how many captures it holds (withdrawn ones not counted). */
export interface Session {
  id: string;
  started_at: string;
  operator: string;
  patient_ref: string | null;
  captures: number;
}

/**
 * What writes a capture's column, and when:
 * - `id`: the log, as it logs the capture; the subject of the capture's journal entry, not in its body;
 * - `taken`: the log, as it logs the capture (its session, its time, its image);
 * - `result`: the classifier's result, as the result gives it;
 * - `quality`: the classifier's quality verdict, encoded for a column (`fromQuality`);
 * - `annotation`, `lesion-link`, `withdrawal`: a later journal entry of that kind.
 * The first four are fixed when the capture is logged: its INSERT, and its journal entry but the id.
 */
type Source = 'id' | 'taken' | 'result' | 'quality' | 'annotation' | 'lesion-link' | 'withdrawal';

type FixedSource = 'id' | 'taken' | 'result' | 'quality';
const FIXED_SOURCES: readonly Source[] = ['id', 'taken', 'result', 'quality'] satisfies FixedSource[];

/** A column of the captures table. */
export interface ColumnSpec {
  /** Its declaration in the table after its name: the SQL type (which gives its TypeScript type) and constraints. */
  readonly sql: string;
  /** The schema version (migration) that added it to the table. */
  readonly since: number;
  readonly source: Source;
  /** A `result` column that a result may leave out (results made before it was added): it is logged as NULL. */
  readonly optional?: true;
  /** A `quality` column: what it holds of the verdict. */
  readonly fromQuality?: (quality: QualityVerdict) => number | string;
  /** How the CSV export writes its value, when not as it is. */
  readonly csv?: (value: never) => unknown;
  /** Its name in the CSV, when not its own. */
  readonly csvName?: string;
}

const rounded = (digits: number) => (value: number | null) => (value === null ? null : Number(value.toFixed(digits)));

/**
 * The captures table, column by column: the one definition of a capture's fields. The record types
 * below, the INSERT of a new capture and its journal entry, the replay and the checks of `doctor
 * --verify`, the migrations that add capture columns (`captureColumnsAddedIn`), the CSV export's
 * columns and schema 2's hash chain are all derived from it, so a column added here (with the
 * migration that adds it) is logged, journaled, verified and exported.
 *
 * The order is a contract: a capture's journal entry is hashed as JSON with its fields in this
 * order, and schema 1's table was made with its columns in this order.
 */
export const CAPTURE_COLUMNS = {
  id: { sql: 'TEXT PRIMARY KEY', since: 1, source: 'id', csvName: 'capture_id' },
  session_id: { sql: 'TEXT NOT NULL REFERENCES sessions(id)', since: 1, source: 'taken' },
  captured_at: { sql: 'TEXT NOT NULL', since: 1, source: 'taken' },
  image_path: { sql: 'TEXT NOT NULL', since: 1, source: 'taken' },
  image_sha256: { sql: 'TEXT NOT NULL', since: 1, source: 'taken' },
  p_malignant: { sql: 'REAL', since: 1, source: 'result', csv: rounded(4) },
  label: { sql: 'TEXT NOT NULL', since: 1, source: 'result' },
  threshold: { sql: 'REAL', since: 1, source: 'result', csv: rounded(4) },
  model_name: { sql: 'TEXT NOT NULL', since: 1, source: 'result' },
  model_sha256: { sql: 'TEXT NOT NULL', since: 1, source: 'result' },
  backend: { sql: 'TEXT NOT NULL', since: 1, source: 'result' },
  latency_ms: { sql: 'REAL', since: 1, source: 'result', csv: rounded(0) },
  quality_ok: { sql: 'INTEGER NOT NULL', since: 1, source: 'quality', fromQuality: (quality) => (quality.ok ? 1 : 0), csv: (ok: number) => (ok === 1 ? 'true' : 'false') },
  quality_reasons: {
    sql: 'TEXT NOT NULL', since: 1, source: 'quality', fromQuality: (quality) => JSON.stringify(quality.reasons), csv: (reasons: string) => parseQualityReasons(reasons).join('; '),
  },
  uncertain_low: { sql: 'REAL', since: 4, source: 'result', optional: true, csv: rounded(4) },
  uncertain_high: { sql: 'REAL', since: 4, source: 'result', optional: true, csv: rounded(4) },
  ood_score: { sql: 'REAL', since: 4, source: 'result', optional: true, csv: rounded(2) },
  ood_threshold: { sql: 'REAL', since: 4, source: 'result', optional: true, csv: rounded(2) },
  model_version: { sql: 'TEXT', since: 4, source: 'result', optional: true },
  camera: { sql: 'TEXT', since: 4, source: 'result', optional: true },
  app_version: { sql: 'TEXT', since: 4, source: 'result', optional: true },
  body_site: { sql: 'TEXT', since: 1, source: 'annotation' },
  note: { sql: 'TEXT', since: 1, source: 'annotation' },
  lesion_id: { sql: 'TEXT REFERENCES lesions(id)', since: 6, source: 'lesion-link' },
  withdrawn_at: { sql: 'TEXT', since: 3, source: 'withdrawal' },
  withdrawn_reason: { sql: 'TEXT', since: 3, source: 'withdrawal' },
} as const satisfies Record<string, ColumnSpec>;

type Columns = typeof CAPTURE_COLUMNS;
export type CaptureColumn = keyof Columns;

/** The columns whose definition matches `Spec`. */
type ColumnsWhere<Spec> = { [Name in CaptureColumn]: Columns[Name] extends Spec ? Name : never }[CaptureColumn];

/** Columns as SQLite gives them back: each text or a number, as its SQL type says, and null unless it is NOT NULL or the key. */
type Fields<Name extends CaptureColumn> = {
  [Field in Name]:
    | (Columns[Field]['sql'] extends `TEXT${string}` ? string : number)
    | (Columns[Field]['sql'] extends `${string}NOT NULL${string}` | `${string}PRIMARY KEY${string}` ? never : null);
};

/** The fields fixed when a capture is logged. */
export type CaptureRecord = Fields<ColumnsWhere<{ source: FixedSource }>>;

/** A capture row: its record, what annotations set, the lesion it shows, and its withdrawal if it was withdrawn (a retake). */
export type Capture = Fields<CaptureColumn>;

type ResultColumn = ColumnsWhere<{ source: 'result' }>;
type OptionalResultColumn = ColumnsWhere<{ source: 'result'; optional: true }>;

/** Result fields that a result gives narrower than their column holds. */
interface NarrowerInResult {
  label: Label;
}

type ResultValue<Name extends ResultColumn> = Name extends keyof NarrowerInResult ? NarrowerInResult[Name] : Capture[Name];

/** What the classifier said about one capture, and what took it: its `result` columns, and the quality verdict. */
export type CaptureResult = { [Name in Exclude<ResultColumn, OptionalResultColumn>]: ResultValue<Name> } & {
  [Name in OptionalResultColumn]?: ResultValue<Name> | null;
} & { quality: QualityVerdict };

/** What the log fixes itself as it logs a capture. */
export type TakenFields = Fields<ColumnsWhere<{ source: 'taken' }>>;

/** A column's definition, as the one type every column's is. */
export const columnSpec = (name: CaptureColumn): ColumnSpec => CAPTURE_COLUMNS[name];
const columnsWhere = (keep: (spec: ColumnSpec) => boolean) => (Object.keys(CAPTURE_COLUMNS) as CaptureColumn[]).filter((name) => keep(columnSpec(name)));
const isFixed = (spec: ColumnSpec) => FIXED_SOURCES.includes(spec.source);

/** Every column, in the definition's order. */
export const CAPTURE_FIELDS: readonly CaptureColumn[] = columnsWhere(() => true);

/** The columns an INSERT of a new capture sets: those fixed when it is logged. */
export const INSERTED_FIELDS: readonly (keyof CaptureRecord)[] = columnsWhere(isFixed) as (keyof CaptureRecord)[];

/** The fields of a capture's journal entry, in the order they are hashed: those fixed when it is logged but its id, the entry's subject. */
export const CAPTURE_ENTRY_FIELDS: readonly Exclude<keyof CaptureRecord, 'id'>[] = INSERTED_FIELDS.filter((name) => name !== 'id') as Exclude<keyof CaptureRecord, 'id'>[];

/** What an annotation sets: the columns it names, each left as it was when left out. */
export type Annotation = Partial<{ [Name in ColumnsWhere<{ source: 'annotation' }>]: string }>;

/** The columns an annotation sets. */
export const ANNOTATED_FIELDS = columnsWhere((spec) => spec.source === 'annotation') as readonly (keyof Annotation)[];

/**
 * What schema 2's hash chain covered of a capture (see chain.ts): the columns fixed when it was
 * logged that the table had then. Later columns never join it: the chain ended with schema 3.
 */
export const CHAINED_FIELDS = columnsWhere((spec) => isFixed(spec) && spec.since < 3) as readonly ColumnsWhere<{ source: FixedSource; since: 1 | 2 }>[];

/** The INSERT of a new capture's row, with a named parameter for each column it sets. */
export const INSERT_CAPTURE = `INSERT INTO captures (${INSERTED_FIELDS.join(', ')}) VALUES (${INSERTED_FIELDS.map((name) => `@${name}`).join(', ')})`;

/**
 * The SQL that adds the capture columns of schema version `version` to the table; for version 1, the
 * table itself, laid out as schema 1 always wrote it (SQLite keeps that text as the table's schema).
 */
export function captureColumnsAddedIn(version: number): string {
  const added = columnsWhere((spec) => spec.since === version);
  if (version === 1) return `CREATE TABLE captures (\n${added.map((name) => `     ${name.padEnd(16)}${columnSpec(name).sql}`).join(',\n')}\n   );`;
  return added.map((name) => `ALTER TABLE captures ADD COLUMN ${name} ${columnSpec(name).sql};`).join('\n   ');
}

/** A new capture's record, but its id: the fields the log fixes as it logs it, and the classifier's result, as its columns hold them. */
export function captureRecord(taken: TakenFields, result: CaptureResult): Omit<CaptureRecord, 'id'> {
  const value = (name: CaptureColumn) => {
    const spec = columnSpec(name);
    if (spec.source === 'taken') return taken[name as keyof TakenFields];
    if (spec.source === 'quality') return spec.fromQuality!(result.quality);
    return (result as Partial<Record<CaptureColumn, unknown>>)[name] ?? null;
  };
  return Object.fromEntries(CAPTURE_ENTRY_FIELDS.map((name) => [name, value(name)])) as Omit<CaptureRecord, 'id'>;
}

/** The columns that later entries set, as a new capture has them: none set yet. */
export function notYetSet(): Omit<Capture, keyof CaptureRecord> {
  return Object.fromEntries(columnsWhere((spec) => !isFixed(spec)).map((name) => [name, null])) as Omit<Capture, keyof CaptureRecord>;
}

/**
 * A capture's quality reasons as its column holds them (a JSON array of sentences, `[]` for a
 * picture that passed). A value that is no such array (a hand-edited row) is one reason as it
 * stands, and an empty one none: a display or an export never fails on it (`doctor --verify`
 * reports the edit).
 */
export function parseQualityReasons(column: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(column);
  } catch {
    return column === '' ? [] : [column];
  }
  // as Array.join writes them, which the CSV export always did
  return Array.isArray(parsed) ? parsed.map((reason: unknown) => (reason === null || reason === undefined ? '' : String(reason))) : [column];
}

/** What begins a patient reference that dermacam made for a session begun without one. */
export const GENERATED_REF_PREFIX = 'DERMACAM-';

export const SESSION_FIELDS = ['id', 'started_at', 'operator', 'patient_ref'] as const;

/** A lesion followed over visits: one patient's, at one body site, with a short label to say it by ("L2"). */
export interface Lesion {
  id: string;
  patient_ref: string;
  body_site: string | null;
  label: string;
  created_at: string;
}

export const LESION_FIELDS = ['id', 'patient_ref', 'body_site', 'label', 'created_at'] as const satisfies readonly (keyof Lesion)[];
