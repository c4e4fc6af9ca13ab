import { closeSync, openSync, readSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID } from './schema.js';
import { BUSY_TIMEOUT_MS, StoreError } from './storeErrors.js';

const LEGACY_TABLES = ['captures', 'sessions'];

/**
 * Refuses, before anything is written to it, an SQLite file that is not a dermacam log: its
 * `application_id` is dermacam's, or it is a log from before the id (id 0, schema 1 or 2, only
 * dermacam's tables), or it is empty. A file that cannot be read yet (another process is just
 * creating the log: SQLITE_READONLY_RECOVERY, busy, or its first page half written) is looked at
 * again a few times; one that does not begin as SQLite begins every database is refused at once.
 */
export async function refuseForeignDatabase(file: string): Promise<void> {
  const foreign = () => new StoreError(`Cannot open the session log ${file}: it is not a dermacam session log, or it is damaged. It was left untouched.`);
  for (let attempt = 1; ; attempt++) {
    const verdict = inspect(file);
    if (verdict === 'dermacam' || verdict === 'unreadable here') return; // the caller's own open says why it cannot
    if (verdict === 'foreign') throw foreign();
    if (attempt === 5) throw verdict === 'not a database yet' ? foreign() : new StoreError(`Cannot open the session log ${file}: another program keeps it locked. It was left untouched.`);
    await sleep(200 * attempt);
  }
}

function inspect(file: string): 'dermacam' | 'foreign' | 'unreadable here' | 'not a database yet' | 'locked' {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
    const empty = tables.length === 0 && version === 0;
    const legacy = applicationId === 0 && (version === 1 || version === 2) && tables.join() === LEGACY_TABLES.join();
    return applicationId === APPLICATION_ID || empty || legacy ? 'dermacam' : 'foreign';
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return beginsAsSqlite(file) ? 'not a database yet' : 'foreign';
    return code === 'SQLITE_CANTOPEN' ? 'unreadable here' : 'locked';
  } finally {
    db?.close();
  }
}

/** SQLite writes a database's first page in one go, so a file it is creating begins with its header, or with a part of it. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function beginsAsSqlite(file: string): boolean {
  const start = Buffer.alloc(SQLITE_HEADER.length);
  const handle = openSync(file, 'r');
  try {
    const length = readSync(handle, start, 0, start.length, 0);
    return start.subarray(0, length).equals(SQLITE_HEADER.subarray(0, length));
  } finally {
    closeSync(handle);
  }
}

/**
 * Opens the database read-only. A WAL database needs its shared-memory file, which SQLite
 * cannot create on a read-only disk; then a private copy in the temp folder is read instead.
 */
export async function openDatabaseReadOnly(file: string): Promise<{ db: Database.Database; release: () => Promise<void> }> {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db, release: async () => undefined };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'SQLITE_CANTOPEN') throw cannotRead(file, error);
  }
  const folder = await mkdtemp(path.join(os.tmpdir(), 'dermacam-read-'));
  try {
    const copy = path.join(folder, path.basename(file));
    await copyFile(file, copy);
    await copyFile(`${file}-wal`, `${copy}-wal`).catch(() => undefined); // present only after an unclean close
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    return { db, release: () => rm(folder, { recursive: true, force: true }) };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw cannotRead(file, error);
  }
}

function cannotRead(file: string, error: unknown): StoreError {
  return new StoreError(`Cannot read the session log ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
}
