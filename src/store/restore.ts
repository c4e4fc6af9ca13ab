import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exists } from '../regularFile.js';
import { ANCHOR_FILE } from './anchor.js';
import { copyDataFolder, CopyNotVerified, LOCK_FILE, lockFolder, type CopyOutcome, type VerifyDataFolder } from './backup.js';
import { openDatabaseReadOnly, refuseForeignDatabase } from './openDatabase.js';
import { DATABASE_FILE } from './sessionLog.js';
import { BUSY_TIMEOUT_MS, describeStoreFailure, isLocked, StoreError } from './storeErrors.js';

/** What an empty data folder may hold: an empty log the app made at its start (and its anchor), a mount point's lost+found, a lock. */
const ALLOWED_IN_EMPTY = new Set([DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, ANCHOR_FILE, 'lost+found', LOCK_FILE]);

/**
 * `dermacam restore`: checks that `dataDir` is empty (or holds only an empty log), verifies the
 * backup as `doctor --verify` does, then copies it as a backup is copied (the copy verified too).
 * Nothing in `dataDir` is overwritten but an empty log.
 */
export async function restoreDataFolder({ backup, dataDir, verify }: { backup: string; dataDir: string; verify: VerifyDataFolder }): Promise<CopyOutcome> {
  if (!(await exists(path.join(backup, DATABASE_FILE)))) throw new StoreError(`${backup} holds no session log, so it is not a dermacam backup; nothing was restored.`);
  const emptyLog = await refuseNonEmpty(dataDir);
  const release = await lockFolder(backup, { readOnlyIsFine: true });
  try {
    const verdict = await verify(backup);
    if (!verdict.ok) {
      const more = verdict.failures > 1 ? ` (and ${verdict.failures - 1} more findings)` : '';
      throw new CopyNotVerified(`The backup ${backup} does not verify: ${verdict.problem}${more}; nothing was restored (dermacam doctor --verify --data-dir ${backup} lists what it found).`);
    }
    if (emptyLog) await removeEmptyLog(dataDir);
    return await copyDataFolder({ from: backup, to: dataDir, verify });
  } finally {
    release();
  }
}

/**
 * Refuses, in one sentence, a data folder that holds anything but an empty log; says whether it
 * holds an empty log (which the restore replaces).
 */
async function refuseNonEmpty(dataDir: string): Promise<boolean> {
  const info = await lstat(dataDir).catch(() => undefined);
  if (!info) return false;
  if (!info.isDirectory()) throw new StoreError(`${dataDir} is not a folder; restore into an empty data folder.`);
  const file = path.join(dataDir, DATABASE_FILE);
  const emptyLog = (await exists(file)) && (await refuseLog(file, dataDir));
  const names = await readdir(dataDir).catch((error: unknown) => {
    throw new StoreError(`The data folder ${dataDir} cannot be read: ${describeStoreFailure(error, dataDir, 'read')}.`);
  });
  const others = names.filter((name) => !ALLOWED_IN_EMPTY.has(name)).sort();
  if (others.length > 0) {
    const named = others.length > 3 ? `${others.slice(0, 3).join(', ')} and ${others.length - 3} more` : others.join(', ');
    throw new StoreError(`The data folder ${dataDir} is not empty (it holds ${named}); dermacam restore only restores into an empty data folder, so that nothing there is overwritten.`);
  }
  return emptyLog;
}

/** Refuses a log with anything in it (a session, a capture, a lesion, a journal entry); true for an empty one. */
async function refuseLog(file: string, dataDir: string): Promise<true> {
  await refuseForeignDatabase(file);
  const { db, release } = await openDatabaseReadOnly(file);
  let rows: { sessions: number; captures: number; others: number };
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    const count = (table: string) => (tables.has(table) ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0);
    rows = { sessions: count('sessions'), captures: count('captures'), others: count('journal') + count('lesions') };
  } finally {
    db.close();
    await release();
  }
  if (rows.sessions + rows.captures + rows.others > 0) {
    throw new StoreError(
      `The data folder ${dataDir} already holds a session log (${rows.sessions} sessions, ${rows.captures} captures); dermacam restore does not overwrite a log: restore into an empty data folder, or move this one away first.`,
    );
  }
  return true;
}

/**
 * Removes an empty log (the one the app makes at its start). Leaving WAL mode needs the database
 * to itself, which tells whether the app still has it open: then the restore waits for it to stop.
 */
async function removeEmptyLog(dataDir: string): Promise<void> {
  const file = path.join(dataDir, DATABASE_FILE);
  try {
    const db = new Database(file, { timeout: BUSY_TIMEOUT_MS / 10 });
    try {
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  } catch (error) {
    if (isLocked(error)) {
      throw new StoreError(`The empty session log in ${dataDir} is open in another program (the app?); stop it (systemctl stop dermacam) and restore again.`);
    }
    throw new StoreError(`The empty session log in ${dataDir} cannot be replaced: ${describeStoreFailure(error, dataDir)}.`);
  }
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, `${DATABASE_FILE}-journal`, ANCHOR_FILE]) {
    await unlink(path.join(dataDir, name)).catch(() => undefined);
  }
}
