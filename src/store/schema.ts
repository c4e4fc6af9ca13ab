import type Database from 'better-sqlite3';

/** Schema migrations in order; the database's `user_version` is the number applied so far. */
export const MIGRATIONS: readonly string[] = [
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
];

export class SchemaError extends Error {}

/** Brings the database up to the latest schema, each migration in its own transaction. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SchemaError(`the session log has schema version ${version}, newer than this dermacam understands (${MIGRATIONS.length}).`);
  }
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
