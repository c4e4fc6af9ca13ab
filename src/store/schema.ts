import type Database from 'better-sqlite3';
import { captureHash, GENESIS_HASH, type ChainedCapture, type ChainedSession } from './chain.js';

type Migration = string | ((db: Database.Database) => void);

/** Schema migrations in order; the database's `user_version` is the number applied so far. */
export const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE sessions (
     id          TEXT PRIMARY KEY,
     started_at  TEXT NOT NULL,
     operator    TEXT NOT NULL,
     patient_ref TEXT
   );
   CREATE TABLE captures (
     id              TEXT PRIMARY KEY,
     session_id      TEXT NOT NULL REFERENCES sessions(id),
     captured_at     TEXT NOT NULL,
     image_path      TEXT NOT NULL,
     image_sha256    TEXT NOT NULL,
     p_malignant     REAL,
     label           TEXT NOT NULL,
     threshold       REAL,
     model_name      TEXT NOT NULL,
     model_sha256    TEXT NOT NULL,
     backend         TEXT NOT NULL,
     latency_ms      REAL,
     quality_ok      INTEGER NOT NULL,
     quality_reasons TEXT NOT NULL,
     body_site       TEXT,
     note            TEXT
   );
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
];

export class SchemaError extends Error {}

/** Brings the database up to the latest schema, each migration in its own transaction. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SchemaError(`the session log has schema version ${version}, newer than this dermacam understands (${MIGRATIONS.length}).`);
  }
  for (let next = version; next < MIGRATIONS.length; next++) {
    const migration = MIGRATIONS[next]!;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
