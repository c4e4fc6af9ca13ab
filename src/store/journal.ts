import { createHash, createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';

/** The hash a journal starts from, before its first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Every change to the log is an entry of the append-only journal: a session started, a capture
 * logged, an annotation, a withdrawal, a repair. The sessions and captures tables are what the
 * journal adds up to, kept for queries; `doctor --verify` replays the journal and compares.
 */
export type EntryKind = 'session' | 'capture' | 'annotation' | 'withdrawal' | 'repair' | 'migration' | 'lesion' | 'lesion-link';

export interface JournalEntry {
  seq: number;
  kind: EntryKind;
  /** The session or capture the entry is about (the data folder for a repair or migration). */
  subject: string;
  /** The entry's fields as canonical JSON. */
  body: string;
  prev_hash: string;
  hash: string;
  /** HMAC-SHA256 of `hash` under the log key, when one was configured at write time. */
  mac: string | null;
}

/** The newest entry: the count and hash that vouch for everything before them. */
export interface JournalHead {
  seq: number;
  hash: string;
}

export const JOURNAL_TABLE = `CREATE TABLE journal (
  seq       INTEGER PRIMARY KEY,
  kind      TEXT NOT NULL,
  subject   TEXT NOT NULL,
  body      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL,
  mac       TEXT
)`;

export function entryHash(prevHash: string, seq: number, kind: string, subject: string, body: string): string {
  return createHash('sha256').update(`${prevHash}\n${JSON.stringify([seq, kind, subject, body])}`).digest('hex');
}

export function entryMac(key: Buffer, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

export function journalHead(db: Database.Database): JournalHead {
  const head = db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').get() as JournalHead | undefined;
  return head ?? { seq: 0, hash: GENESIS_HASH };
}

/** The hash of a journal's first entry, which names the log it began (empty for an empty journal). */
export function journalIdentity(db: Database.Database): string {
  return (db.prepare('SELECT hash FROM journal ORDER BY seq LIMIT 1').get() as { hash: string } | undefined)?.hash ?? '';
}

/** Appends an entry; call inside the transaction that makes the change it records. */
export function appendEntry(db: Database.Database, kind: EntryKind, subject: string, fields: object, key?: Buffer): JournalHead {
  const previous = journalHead(db);
  const seq = previous.seq + 1;
  const body = JSON.stringify(fields);
  const hash = entryHash(previous.hash, seq, kind, subject, body);
  db.prepare('INSERT INTO journal (seq, kind, subject, body, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    seq, kind, subject, body, previous.hash, hash, key ? entryMac(key, hash) : null,
  );
  return { seq, hash };
}
