import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicFile.js';
import type { JournalHead } from './journal.js';

/**
 * `<data-dir>/last-backup.json`: when the last `dermacam backup` of this data folder succeeded
 * (its copy verified), and where it went. Written whole or not at all after each successful
 * backup; the app's status line shows its age. A top-level file: `doctor --verify` looks only at
 * folders, so it is no finding, and a backup does not copy it.
 */
export const LAST_BACKUP_FILE = 'last-backup.json';

export interface LastBackup {
  /** When the backup's copy had verified. */
  at: Date;
  /** The backup folder, as an absolute path. */
  out: string;
}

/** What the file holds: the reader needs only `at` and `out`; the rest says what was copied. */
interface LastBackupRecord {
  at: string;
  out: string;
  captures: number;
  head: JournalHead;
}

/** Records a successful backup of `dataDir` (atomically: a temp file renamed into place, 0600). */
export async function recordLastBackup(dataDir: string, backup: { at: Date; out: string; captures: number; head: JournalHead }): Promise<void> {
  const record: LastBackupRecord = { at: backup.at.toISOString(), out: path.resolve(backup.out), captures: backup.captures, head: backup.head };
  await writeFileAtomic(fsPromises, path.join(dataDir, LAST_BACKUP_FILE), `${JSON.stringify(record)}\n`);
}

/**
 * When the last backup of `dataDir` succeeded, and where it went; undefined when none is recorded
 * (never backed up) or the record cannot be read. Synchronous and small, for the status line.
 */
export function lastBackup(dataDir: string): LastBackup | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readSmallFile(path.join(dataDir, LAST_BACKUP_FILE)));
  } catch {
    return undefined;
  }
  const { at, out } = (parsed ?? {}) as Partial<Record<keyof LastBackupRecord, unknown>>;
  if (typeof at !== 'string' || typeof out !== 'string') return undefined;
  const when = new Date(at);
  return Number.isNaN(when.getTime()) ? undefined : { at: when, out };
}

/** A small regular file's text; a pipe or a link there is refused rather than waited on or followed. */
function readSmallFile(file: string): string {
  const handle = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const info = fstatSync(handle);
    if (!info.isFile() || info.size > 64 * 1024) throw new Error('not a small regular file');
    const data = Buffer.alloc(info.size);
    const length = readSync(handle, data, 0, info.size, 0);
    return data.toString('utf8', 0, length);
  } finally {
    closeSync(handle);
  }
}
