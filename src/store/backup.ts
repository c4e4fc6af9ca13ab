import * as fsPromises from 'node:fs/promises';
import { readdir, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { exists, openRegularFile, readRegularFile } from '../regularFile.js';
import { ANCHOR_FILE } from './anchor.js';
import { tempFileName, tempFileWriter, writeFileAtomic, writeTempFile } from './atomicFile.js';
import { stageImages, type StagePass } from './backupImages.js';
import { commitSwap, finishInterruptedSwap, PREVIOUS_ANCHOR, PREVIOUS_LOG, swapIn, undoSwap, type SwapFiles, type SwapPlan } from './backupSwap.js';
import { journalHead, journalIdentity, type JournalHead } from './journal.js';
import { recordLastBackup } from './lastBackup.js';
import { openDatabaseReadOnly, refuseForeignDatabase } from './openDatabase.js';
import { makePrivate } from './privacy.js';
import { MIGRATIONS } from './schema.js';
import { DATABASE_FILE, SessionLog } from './sessionLog.js';
import { BUSY_TIMEOUT_MS, describeStoreFailure, isLocked, StoreError } from './storeErrors.js';
import { CONFIG_FILE, MAX_CONFIG_FILE_BYTES } from '../outbox/config.js';

/** What `doctor --verify` says of a data folder, as a backup needs it: whether it passed, its first failure, its notes. */
export interface Verdict {
  ok: boolean;
  /** The first failure, in `doctor --verify`'s words. */
  problem?: string;
  /** How many failures there were. */
  failures: number;
  notes: string[];
  /** What it says when the folder verifies (`N captures, M journal entries: ... agree`). */
  summary?: string;
}

/** Checks a data folder as `doctor --verify` does (passed in: the store does not depend on the commands). */
export type VerifyDataFolder = (dataDir: string) => Promise<Verdict>;

export interface CopyRequest {
  /** The data folder copied from. */
  from: string;
  /** The folder copied into: it becomes a data folder. */
  to: string;
  verify: VerifyDataFolder;
  /** Records the success in `from`'s last-backup.json (a backup does; a restore does not). */
  record?: boolean;
  now?: () => Date;
}

export interface CopyOutcome {
  /** The copy's captures (withdrawn ones included, as doctor counts them) and its journal head. */
  captures: number;
  head: JournalHead;
  /** Images copied from the data folder this time. */
  copied: number;
  /** Images the backup already held with the logged sha256: not copied again. */
  kept: number;
  /** Images an interrupted backup had already copied. */
  resumed: number;
  /** Images of captures withdrawn since the previous backup, removed from it. */
  removed: number;
  bytesCopied: number;
  /** What verify noted (no failure) of the copy, and what it said of it. */
  notes: string[];
  verified?: string;
  /** What the run had to put right first: an interrupted backup undone or finished. */
  recovered?: 'undone' | 'finished';
  /** Why the success could not be recorded in last-backup.json, when it could not. */
  unrecorded?: string;
}

/** The lock that keeps two backups (or a backup and a restore) out of one folder at once. */
export const LOCK_FILE = '.backup.lock';

/** How many times a snapshot is taken again when an image it names has gone from the data folder meanwhile (a withdrawal). */
const SNAPSHOTS = 3;

/**
 * Copies the data folder `from` into `to` so that `to` is a data folder of its own, verified:
 * the log by SQLite's online backup (one consistent snapshot, taken while the app may write), the
 * images that `to` does not hold yet with their logged sha256, the anchor, and the PACS
 * configuration when the data folder holds one. The previous backup in `to` stays whole until
 * the new one has verified: see backupSwap.ts. Throws a StoreError, in one sentence, when it
 * cannot; a copy that does not verify is undone and throws a CopyNotVerified.
 */
export async function copyDataFolder({ from, to, verify, record = false, now = () => new Date() }: CopyRequest): Promise<CopyOutcome> {
  await refuseOverlap(from, to);
  const sourceLog = path.join(from, DATABASE_FILE);
  if (!(await exists(sourceLog))) throw new StoreError(`There is no session log in ${from} to copy.`);
  await (await SessionLog.openForReading(from)).close(); // a foreign file refused, an older schema upgraded, before anything is copied
  const config = await readConfig(from);
  await checkAnchor(from);
  try {
    await makeFolders(to);
  } catch (error) {
    throw new StoreError(`The folder ${to} cannot be made: ${describeStoreFailure(error, to)}.`);
  }
  await makePrivate(to, path.join(to, DATABASE_FILE));
  const release = await lockFolder(to);
  try {
    return await copyLocked(from, to, config, verify, record, now);
  } finally {
    release();
  }
}

/** A copy that was made and then failed the verification: it was undone, and the folder holds what it held before. */
export class CopyNotVerified extends StoreError {}

async function copyLocked(from: string, to: string, config: Buffer | undefined, verify: VerifyDataFolder, record: boolean, now: () => Date): Promise<CopyOutcome> {
  const recovered = await stopped(to, 'before it began', () => finishInterruptedSwap(to));
  await stopped(to, 'before it began', () => removeStaleFiles(to));
  const previous = await previousLog(to);
  let snapshot: Snapshot | undefined;
  let pass: StagePass | undefined;
  try {
    for (let round = 1; ; round++) {
      snapshot = await stopped(to, 'while it read the log', () => takeSnapshot(from, to));
      refuseUnrelated(snapshot, previous, from, to);
      pass = await stopped(to, 'while it copied images', () => stageImages(snapshot!.db, from, to));
      if (pass.missing.length === 0) break;
      await snapshot.discard();
      snapshot = undefined;
      if (round === SNAPSHOTS) {
        const [first] = pass.missing;
        throw new StoreError(
          `The image ${first!.image_path} of capture ${first!.id} is missing from ${from}${pass.missing.length > 1 ? ` (and ${pass.missing.length - 1} more)` : ''}, so no backup was made and ${to} keeps its previous copy; dermacam doctor --verify --data-dir ${from} says more.`,
        );
      }
    }
    snapshot.db.close();
  } catch (error) {
    await snapshot?.discard();
    throw error;
  }
  const files: SwapFiles = { out: to, tempLog: snapshot.tempLog, tempAnchor: snapshot.tempAnchor };
  const plan: SwapPlan = { hadLog: previous !== undefined, hadAnchor: await exists(path.join(to, ANCHOR_FILE)), placed: pass.placed, removed: pass.removed };
  const verdict = await swapAndVerify(files, plan, verify).finally(() => snapshot.discard()); // its temp files, if still there
  if (!verdict.ok) {
    await stopped(to, 'while it undid a copy that did not verify', () => undoSwap(to, plan));
    const more = verdict.failures > 1 ? ` (and ${verdict.failures - 1} more findings)` : '';
    throw new CopyNotVerified(`The copy in ${to} did not verify: ${verdict.problem}${more}; it was undone, and ${to} keeps what it held before.`);
  }
  await stopped(to, 'after its copy had verified', async () => {
    await commitSwap(to);
    await mirrorConfig(config, to);
  });
  const outcome: CopyOutcome = {
    captures: snapshot.captures, head: snapshot.head, copied: pass.copied, kept: pass.kept, resumed: pass.resumed,
    removed: pass.removed.length, bytesCopied: pass.bytesCopied, notes: verdict.notes, verified: verdict.summary, ...(recovered !== 'none' && { recovered }),
  };
  if (record) {
    await recordLastBackup(from, { at: now(), out: to, captures: snapshot.captures, head: snapshot.head }).catch((error: unknown) => {
      outcome.unrecorded = describeStoreFailure(error, from);
    });
  }
  return outcome;
}

/** Swaps the new copy in and verifies it; a failure in between is undone before it is reported. */
async function swapAndVerify(files: SwapFiles, plan: SwapPlan, verify: VerifyDataFolder): Promise<Verdict> {
  try {
    await swapIn(files, plan);
    return await verify(files.out);
  } catch (error) {
    const undone = await undoSwap(files.out, plan).then(() => true, () => false);
    if (error instanceof UserError) throw error;
    const state = undone ? `${files.out} keeps what it held before` : `the next dermacam backup into ${files.out} puts its previous copy back`;
    throw new StoreError(`The backup into ${files.out} stopped while it put the new copy in place: ${describeStoreFailure(error, files.out)}; ${state}.`);
  }
}

/** Runs one step; a failure that is not already one sentence becomes one, saying the previous backup is unchanged. */
async function stopped<T>(to: string, when: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new StoreError(`The backup into ${to} stopped ${when}: ${describeStoreFailure(error, to)}; what ${to} held before is unchanged.`);
  }
}

/** The log and anchor of a new copy, in temp files of the backup folder, and what the log says of itself. */
interface Snapshot {
  tempLog: string;
  tempAnchor: string;
  /** The copy, open until its images are staged. */
  db: Database.Database;
  head: JournalHead;
  identity: string;
  captures: number;
  /** Removes the temp files (and closes the copy). */
  discard: () => Promise<void>;
}

/**
 * One consistent snapshot of the data folder's log, in a temp file of `to`: the anchor is read
 * first (each of its lines is written after the commit it vouches for, so all it holds is in the
 * snapshot), then SQLite's online backup copies the whole database in one step (one read
 * transaction: the app goes on writing meanwhile). The copy leaves WAL mode, so that it is one file
 * that a read-only disk can serve, is checked by SQLite, and its anchor gets its head.
 */
async function takeSnapshot(from: string, to: string): Promise<Snapshot> {
  const tempAnchor = await writeTempFile(fsPromises, path.join(to, ANCHOR_FILE), completeLines(path.join(from, ANCHOR_FILE)));
  const tempLog = tempFileName(path.join(to, DATABASE_FILE));
  let db: Database.Database | undefined;
  const discard = async () => {
    if (db?.open) db.close();
    for (const file of [tempLog, `${tempLog}-journal`, `${tempLog}-wal`, `${tempLog}-shm`, tempAnchor]) await unlink(file).catch(() => undefined);
  };
  try {
    await fsPromises.open(tempLog, 'wx', 0o600).then((handle) => handle.close()); // made private before SQLite writes into it
    const source = await openDatabaseReadOnly(path.join(from, DATABASE_FILE));
    try {
      // every page in one step: one read transaction, so a consistent snapshot however busy the writers
      await source.db.backup(tempLog, { progress: () => 0x7fffffff });
    } finally {
      source.db.close();
      await source.release();
    }
    db = new Database(tempLog, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = DELETE');
    const problems = (db.pragma('integrity_check(3)') as { integrity_check: string }[]).map((row) => row.integrity_check);
    if (problems.join() !== 'ok') {
      throw new StoreError(`The session log in ${from} is damaged (SQLite: ${problems.join('; ')}), so no backup was made and ${to} keeps its previous copy; dermacam doctor --verify --data-dir ${from} says more.`);
    }
    if ((db.pragma('user_version', { simple: true }) as number) !== MIGRATIONS.length) {
      throw new StoreError(`The session log in ${from} changed its schema during the backup, so no backup was made; run the backup again.`);
    }
    const head = journalHead(db);
    const identity = journalIdentity(db);
    const captures = (db.prepare('SELECT count(*) AS n FROM captures').get() as { n: number }).n;
    if (head.seq > 0) await fsPromises.appendFile(tempAnchor, `${head.seq} ${head.hash}\n`);
    return { tempLog, tempAnchor, db, head, identity, captures, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * The anchor's lines as they are now, a chunk at a time: only whole lines (a line being appended
 * at this moment is left for the next backup). No anchor gives an empty one.
 */
async function* completeLines(file: string): AsyncGenerator<Buffer> {
  const opened = await openToCopy(file);
  if (!opened) return;
  const { handle, size } = opened;
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let held = Buffer.alloc(0);
    for (let position = 0; position < size; ) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = Buffer.concat([held, chunk.subarray(0, bytesRead)]);
      const end = data.lastIndexOf(0x0a) + 1;
      if (end > 0) yield data.subarray(0, end);
      held = Buffer.from(data.subarray(end));
    }
  } finally {
    await handle.close();
  }
}

/** The log a backup folder holds already: what tells it apart and how far it goes. */
interface PreviousLog {
  identity: string;
  head: JournalHead;
}

/**
 * The backup folder's log, if it has one. A log someone opened for writing (in WAL mode, or with
 * a rollback journal left) is first brought back to one file: a WAL or journal file left beside
 * the new log would be applied to it.
 */
async function previousLog(to: string): Promise<PreviousLog | undefined> {
  const file = path.join(to, DATABASE_FILE);
  if (!(await exists(file))) return undefined;
  await refuseForeignDatabase(file);
  try {
    if ((await exists(`${file}-wal`)) || (await exists(`${file}-journal`))) {
      const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      try {
        db.pragma('journal_mode = DELETE');
      } finally {
        db.close();
      }
    }
    await unlink(`${file}-shm`).catch(() => undefined);
    const { db, release } = await openDatabaseReadOnly(file);
    try {
      const hasJournal = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'").get() !== undefined;
      if (!hasJournal) return { identity: '', head: { seq: 0, hash: '' } };
      const identity = journalIdentity(db);
      return { identity, head: journalHead(db) };
    } finally {
      db.close();
      await release();
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new StoreError(`The session log already in ${to} cannot be read (${describeStoreFailure(error, to)}), so it was left as it is; move it away, or back up into another folder.`);
  }
}

/**
 * A backup only ever grows: the new copy's journal must hold the previous backup's newest entry,
 * unchanged. Another log, or one cut back or rewritten since, is refused before anything moves.
 */
function refuseUnrelated(snapshot: Snapshot, previous: PreviousLog | undefined, from: string, to: string): void {
  if (!previous || previous.head.seq === 0) return;
  const entry = snapshot.db.prepare('SELECT hash FROM journal WHERE seq = ?').get(previous.head.seq) as { hash: string } | undefined;
  if (entry?.hash === previous.head.hash) return;
  if (previous.identity !== snapshot.identity) {
    throw new StoreError(`${to} holds a copy of another session log (another device, or a log begun afresh), so it was left as it is; back up into an empty folder, or move that copy away first.`);
  }
  throw new StoreError(
    `${to} holds journal entry ${previous.head.seq}, which the log in ${from} ${entry ? 'has otherwise' : 'no longer has'}: the log was cut back or rewritten since, so the backup was left as it is; dermacam doctor --verify --data-dir ${from} says more.`,
  );
}

/** Neither folder may lie inside the other: a backup in the data folder is no backup, and would copy itself. */
async function refuseOverlap(from: string, to: string): Promise<void> {
  const real = async (folder: string) => realpath(folder).catch(() => path.resolve(folder));
  const [source, target] = await Promise.all([real(from), real(to)]);
  const inside = (folder: string, other: string) => {
    const relative = path.relative(folder, other);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  if (inside(source, target) || inside(target, source)) {
    throw new UserError(`${to} and the data folder ${from} ${source === target ? 'are the same folder' : 'lie one inside the other'}; copy to a folder of its own (a USB stick).`);
  }
}

/**
 * Files a killed run left at the top of the backup folder: its log and anchor temp files (and the
 * log's journal), and a half-made copy of the previous log. The lock is held, so none is another
 * run's, whatever pid its name gives.
 */
async function removeStaleFiles(to: string): Promise<void> {
  for (const name of await readdir(to)) {
    const stale =
      name === `${PREVIOUS_LOG}.partial` ||
      name === `${PREVIOUS_ANCHOR}.partial` ||
      ((name.startsWith(`${DATABASE_FILE}.`) || name.startsWith(`${ANCHOR_FILE}.`)) && tempFileWriter(name.replace(/-journal$/, '')) !== undefined);
    if (stale) await unlink(path.join(to, name)).catch(() => undefined);
  }
}

/**
 * The data folder's PACS configuration, when it keeps one: part of the data folder, so read before
 * anything is copied. One that cannot be copied (a pipe, a link, a huge file) stops the copy while
 * the folder copied into is as it was, rather than after the log and images are in it.
 */
async function readConfig(from: string): Promise<Buffer | undefined> {
  const file = path.join(from, CONFIG_FILE);
  if (!(await exists(file))) return undefined;
  return readRegularFile(file, { maxBytes: MAX_CONFIG_FILE_BYTES, followLinks: false }).catch((error: unknown) => refusedCopy(file, error));
}

/** The anchor is read afresh at each snapshot, but one that cannot be copied (a pipe, a link) is refused here, as the configuration is, before anything is made. */
async function checkAnchor(from: string): Promise<void> {
  const opened = await openToCopy(path.join(from, ANCHOR_FILE));
  await opened?.handle.close();
}

/** A file of the data folder opened to be copied, if it is there; one that cannot be copied (a pipe, a link) is refused as refusedCopy says. */
async function openToCopy(file: string): Promise<{ handle: fsPromises.FileHandle; size: number } | undefined> {
  if (!(await exists(file))) return undefined;
  return openRegularFile(file, { followLinks: false }).catch((error: unknown) => refusedCopy(file, error));
}

/** A file of the data folder that cannot be copied, in one sentence that names it. */
function refusedCopy(file: string, error: unknown): never {
  const why = error instanceof UserError ? error.message.replace(/\.$/, '') : describeStoreFailure(error, path.dirname(file));
  throw new StoreError(`${file} cannot be copied: ${why}; nothing was copied.`);
}

/** Puts the configuration read at the start in the copy; one the data folder does not keep goes from the copy. */
async function mirrorConfig(config: Buffer | undefined, to: string): Promise<void> {
  if (config) await writeFileAtomic(fsPromises, path.join(to, CONFIG_FILE), config);
  else await unlink(path.join(to, CONFIG_FILE)).catch(() => undefined);
}

/**
 * Takes the folder's lock: an SQLite database held in an exclusive transaction. The kernel drops
 * such a lock when its process ends, however it ends, so a killed backup never leaves a stale one.
 */
export async function lockFolder(folder: string, { readOnlyIsFine = false } = {}): Promise<() => void> {
  const file = path.join(folder, LOCK_FILE);
  let db: Database.Database;
  try {
    await fsPromises.open(file, 'a', 0o600).then((handle) => handle.close()); // private, like every file of a data folder
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    // a backup on a read-only stick is read, not written: nobody else writes into it either
    if (readOnlyIsFine) return () => undefined;
    throw new StoreError(`The backup cannot lock ${folder}: ${describeStoreFailure(error, folder)}.`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (isLocked(error)) {
      throw new StoreError(`Another dermacam backup or restore is using ${folder} now; try again once it has ended.`);
    }
    if (readOnlyIsFine) return () => undefined;
    throw new StoreError(`The backup cannot lock ${folder}: ${describeStoreFailure(error, folder)}.`);
  }
  // the file stays: removing it would let a third run lock a new file while a second holds the old one
  return () => db.close();
}

