import type Database from 'better-sqlite3';
import { captureHash, type ChainedCapture, type ChainedSession } from './chain.js';
import { appendEntry, GENESIS_HASH, JOURNAL_TABLE } from './journal.js';
import { CAPTURE_ENTRY_FIELDS, captureColumnsAddedIn, type Capture } from './records.js';

/** `PRAGMA application_id` of a dermacam log ("DRMC"): what tells it apart from another program's SQLite file. */
export const APPLICATION_ID = 0x44524d43;

type Migration = string | ((db: Database.Database) => void);

/** Schema migrations in order; the database's `user_version` is the number applied so far. */
export const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE sessions (
     id          TEXT PRIMARY KEY,
     started_at  TEXT NOT NULL,
     operator    TEXT NOT NULL,
     patient_ref TEXT
   );
   ${captureColumnsAddedIn(1)}
   CREATE INDEX captures_by_session ON captures(session_id, captured_at);`,
  // 2: the tamper-evident hash chain over captures, filled in for rows written before it
  (db) => {
    db.exec('ALTER TABLE captures ADD COLUMN prev_hash TEXT; ALTER TABLE captures ADD COLUMN row_hash TEXT;');
    const rows = db
      .prepare('SELECT c.*, s.started_at, s.operator, s.patient_ref FROM captures c JOIN sessions s ON s.id = c.session_id ORDER BY c.rowid')
      .all() as (ChainedCapture & ChainedSession)[];
    const update = db.prepare('UPDATE captures SET prev_hash = ?, row_hash = ? WHERE id = ?');
    let previous = GENESIS_HASH;
    for (const row of rows) {
      const hash = captureHash(previous, row, row);
      update.run(previous, hash, row.id);
      previous = hash;
    }
  },
  // 3: the journal replaces the capture-only chain, so that sessions, annotations and withdrawals are covered too
  (db) => {
    const legacyChain = legacyChainStatus(db);
    db.exec(`${JOURNAL_TABLE}; ${captureColumnsAddedIn(3)}`);
    if (legacyChain) appendEntry(db, 'migration', '.', { from_schema: 2, capture_chain: legacyChain });
    const journaled = new Set<string>();
    const sessions = db.prepare('SELECT * FROM sessions ORDER BY rowid').all() as { id: string; started_at: string; operator: string; patient_ref: string | null }[];
    const journalSession = (id: string) => {
      if (journaled.has(id)) return;
      const { started_at, operator, patient_ref } = sessions.find((session) => session.id === id)!;
      appendEntry(db, 'session', id, { started_at, operator, patient_ref });
      journaled.add(id);
    };
    for (const row of db.prepare('SELECT * FROM captures ORDER BY rowid').all() as Capture[]) {
      journalSession(row.session_id);
      // the entry holds what was fixed at capture time; notes become annotation entries, the old chain goes
      // (those of a new capture's entry that the table had then, in CAPTURE_COLUMNS order, which was the table's)
      const record = Object.fromEntries(CAPTURE_ENTRY_FIELDS.filter((field) => field in row).map((field) => [field, row[field]]));
      appendEntry(db, 'capture', row.id, record);
      if (row.body_site !== null || row.note !== null) appendEntry(db, 'annotation', row.id, { body_site: row.body_site, note: row.note });
    }
    for (const { id } of sessions) journalSession(id);
    db.exec('ALTER TABLE captures DROP COLUMN prev_hash; ALTER TABLE captures DROP COLUMN row_hash;');
    db.pragma(`application_id = ${APPLICATION_ID}`);
  },
  // 4: what a CSV reader needs beside the answer: the band and the "not a lesion" score, the camera and the versions
  captureColumnsAddedIn(4),
  // 5: the outbox: each capture's delivery to each PACS destination (not journaled: it is where a copy went, not the record)
  `CREATE TABLE outbox (
     capture_id       TEXT NOT NULL REFERENCES captures(id),
     destination      TEXT NOT NULL,
     sop_instance_uid TEXT NOT NULL,
     attempts         INTEGER NOT NULL,
     last_try_at      TEXT NOT NULL,
     next_try_at      TEXT,
     last_error       TEXT,
     sent_at          TEXT,
     PRIMARY KEY (capture_id, destination)
   );`,
  // 6: lesions followed over visits, and the lesion each capture shows (journaled as 'lesion' and 'lesion-link' entries)
  `CREATE TABLE lesions (
     id          TEXT PRIMARY KEY,
     patient_ref TEXT NOT NULL,
     body_site   TEXT,
     label       TEXT NOT NULL,
     created_at  TEXT NOT NULL
   );
   CREATE INDEX lesions_by_patient ON lesions(patient_ref);
   ${captureColumnsAddedIn(6)}
   CREATE INDEX captures_by_lesion ON captures(lesion_id);`,
  // 7: what a destination said beyond "stored": the warning it stored with, and a refusal that waits for a person
  `ALTER TABLE outbox ADD COLUMN warning TEXT;
   ALTER TABLE outbox ADD COLUMN refused_at TEXT;`,
  // 8: versions (issue 24): which version of a capture a destination got (the journal entry that made it; 0 or
  // NULL: the first), the superseded or withdrawn objects to retract there with a rejection note, and the
  // journal by subject, where a capture's version is looked up
  `ALTER TABLE outbox ADD COLUMN version_seq INTEGER;
   CREATE TABLE rejections (
     capture_id   TEXT NOT NULL REFERENCES captures(id),
     destination  TEXT NOT NULL,
     rejected_uid TEXT NOT NULL,
     attempts     INTEGER NOT NULL,
     last_try_at  TEXT,
     next_try_at  TEXT,
     last_error   TEXT,
     sent_at      TEXT,
     warning      TEXT,
     refused_at   TEXT,
     PRIMARY KEY (destination, rejected_uid)
   );
   CREATE INDEX journal_by_subject ON journal(subject, seq);`,
];

/** Whether schema 2's capture chain held when the journal took over ("intact", or where it broke); undefined for an empty log. */
function legacyChainStatus(db: Database.Database): string | undefined {
  const rows = db
    .prepare('SELECT c.*, s.started_at, s.operator, s.patient_ref FROM captures c JOIN sessions s ON s.id = c.session_id ORDER BY c.rowid')
    .all() as (ChainedCapture & ChainedSession & { prev_hash: string; row_hash: string })[];
  if (rows.length === 0) return undefined;
  let previous = GENESIS_HASH;
  for (const row of rows) {
    if (row.prev_hash !== previous || row.row_hash !== captureHash(previous, row, row)) return `broken at capture ${row.id}`;
    previous = row.row_hash;
  }
  return 'intact';
}

export class SchemaError extends Error {}

/**
 * Brings the database up to the latest schema, each migration in its own transaction. The
 * version is read again under the write lock: another process may have migrated meanwhile.
 */
export function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() > MIGRATIONS.length) {
    throw new SchemaError(`the session log has schema version ${version()}, newer than this dermacam understands (${MIGRATIONS.length}).`);
  }
  const step = db.transaction((): boolean => {
    const next = version();
    if (next >= MIGRATIONS.length) return false;
    const migration = MIGRATIONS[next]!;
    if (typeof migration === 'string') db.exec(migration);
    else migration(db);
    db.pragma(`user_version = ${next + 1}`);
    return true;
  });
  while (step.immediate());
}
