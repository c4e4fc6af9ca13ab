import { createHash, randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { syncFolder } from '../durable.js';
import { UserError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { exists } from '../regularFile.js';
import { appendAnchor, createAnchor } from './anchor.js';
import { holdsBytes, publishTempFile, tempFileTarget, tempFileWriter, writeTempFile, type FileSystem } from './atomicFile.js';
import { appendEntry, journalHead, journalIdentity, type JournalEntry, type JournalHead } from './journal.js';
import { openDatabaseReadOnly, refuseForeignDatabase } from './openDatabase.js';
import {
  captureVersion, destinationStatus, dueCaptures, owedRejections, recordDelivery, recordRejection, requeueRefused,
  type DeliveryOutcome, type DestinationStatus, type OwedRejection, type WaitingCapture,
} from './outbox.js';
import { capturePosition, type CapturePosition } from './capturePosition.js';
import { makePrivate } from './privacy.js';
import { capturesOfLesion, lesionById, lesionsOf, nextLesionLabel, patientOfCapture } from './lesions.js';
import {
  ANNOTATED_FIELDS, captureRecord, GENERATED_REF_PREFIX, INSERT_CAPTURE, notYetSet, type Annotation, type Capture, type CaptureResult, type Lesion, type Session,
} from './records.js';
import { migrate, MIGRATIONS, SchemaError } from './schema.js';
import { BUSY_TIMEOUT_MS, describeStoreFailure, StoreError } from './storeErrors.js';

export type { Capture, CaptureResult, Lesion, Session } from './records.js';
export { StoreError } from './storeErrors.js';

export const DATABASE_FILE = 'dermacam.db';

/** Where `doctor --verify --repair` moves files that no row refers to; they are never deleted. */
export const UNREFERENCED_FOLDER = 'unreferenced';

/** A session's id, which names its folder: `<yyyymmdd>-<hhmmss>-<random hex>[-<n>]`, as startSession makes it. */
export const SESSION_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]+(?:-\d+)?$/;

/**
 * A pseudonym for a session begun without a patient reference: random (48 bits), so that two devices
 * or two sessions never give two people one Patient ID in a PACS, and marked as made by dermacam.
 */
function generatedPatientRef(): string {
  return `${GENERATED_REF_PREFIX}${randomBytes(6).toString('hex').toUpperCase()}`;
}

/** Clock, id sources and file system, injectable so that tests are deterministic and can inject faults. */
export interface StoreDeps {
  fs: FileSystem;
  now: () => Date;
  randomId: () => string;
  newPatientRef: () => string;
}

export interface OpenOptions {
  /** The log key: journal entries get a MAC under it (see logKey.ts). */
  key?: Buffer;
}

const defaultDeps: StoreDeps = { fs: fsPromises, now: () => new Date(), randomId: () => randomBytes(3).toString('hex'), newPatientRef: generatedPatientRef };

/** Sets the columns an annotation names, and leaves those it leaves out (NULL parameters). */
const ANNOTATE_CAPTURE = `UPDATE captures SET ${ANNOTATED_FIELDS.map((field) => `${field} = coalesce(@${field}, ${field})`).join(', ')} WHERE id = @id RETURNING *`;

const SESSIONS_WITH_COUNTS = `SELECT s.id, s.started_at, s.operator, s.patient_ref, count(c.id) AS captures
  FROM sessions s LEFT JOIN captures c ON c.session_id = s.id AND c.withdrawn_at IS NULL`;

/**
 * SQLite's page cache while the whole log is read once (readSnapshot), in pages (negative: KiB):
 * each page is read about once, so the usual 16 MB would only hold pages not needed again.
 */
const SNAPSHOT_CACHE_SIZE = -2000;

/**
 * The local log of sessions and captures: an SQLite database (WAL) in the data folder, its
 * journal of every change, and each capture's JPEG in `<data-dir>/<session>/<capture>.jpg`.
 * Each write holds SQLite's write lock from start to commit, the image write included, so that
 * several processes can share one folder and an image is never seen without its row.
 */
export class SessionLog {
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataDir: string,
    private readonly db: Database.Database,
    private readonly deps: StoreDeps,
    private readonly key: Buffer | undefined,
    private readonly release: () => Promise<void> = async () => undefined,
    /** The data folder and database this writable log opened; undefined for a read-only one. */
    private readonly opened?: OpenedFiles,
  ) {}

  /** Opens (or creates) the log for the app, which writes to it. */
  static async open(dataDir: string, overrides: Partial<StoreDeps> & OpenOptions = {}): Promise<SessionLog> {
    const deps = { ...defaultDeps, ...overrides };
    await refuseSystemFolder(dataDir);
    const file = path.join(dataDir, DATABASE_FILE);
    try {
      await makeFolders(dataDir, deps.fs);
      // made first, private, so that SQLite's -wal and -shm files (which copy its mode) are private too
      const made = !(await exists(file));
      await deps.fs.open(file, 'a', 0o600).then((handle) => handle.close());
      if (made) await syncFolder(deps.fs, dataDir); // SQLite flushes the names of its -wal and journal files, not of the database's
    } catch (error) {
      throw new StoreError(`Cannot open the session log ${file}: ${describeStoreFailure(error, dataDir)}.`);
    }
    await refuseForeignDatabase(file);
    await makePrivate(dataDir, file);
    let db: Database.Database | undefined;
    let opened: OpenedFiles;
    try {
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      db.pragma('journal_mode = WAL');
      // every commit flushed before it returns, so that the anchor line and image rename after it never outlive it.
      // A log already in WAL mode would otherwise open as NORMAL (better-sqlite3 builds SQLite with
      // SQLITE_DEFAULT_WAL_SYNCHRONOUS=1), whose commits a power cut can take back.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // a log without a journal yet gets its anchor first, so that a missing anchor always means a deleted one
      if ((db.pragma('user_version', { simple: true }) as number) < MIGRATIONS.length) await createAnchor(dataDir, deps.fs);
      migrate(db);
      opened = await filesAt(dataDir);
    } catch (error) {
      db?.close();
      throw cannotOpen(file, error);
    }
    const log = new SessionLog(dataDir, db, deps, overrides.key, undefined, opened);
    await log.finishInterruptedWrites();
    return log;
  }

  /**
   * Opens the log for reading only (sessions, export, doctor): nothing is written, no WAL switch,
   * so it works on a read-only disk. A log of an older schema is upgraded by a writable open.
   */
  static async openForReading(dataDir: string, options: OpenOptions = {}): Promise<SessionLog> {
    const file = path.join(dataDir, DATABASE_FILE);
    await refuseForeignDatabase(file);
    const { db, release } = await openDatabaseReadOnly(file);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === MIGRATIONS.length) return new SessionLog(dataDir, db, defaultDeps, options.key, release);
    db.close();
    await release();
    if (version > MIGRATIONS.length) throw cannotOpen(file, new SchemaError(`the session log has schema version ${version}, newer than this dermacam understands (${MIGRATIONS.length}).`));
    try {
      return await SessionLog.open(dataDir, options);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new StoreError(`The session log ${file} was written by an older dermacam and cannot be upgraded here (${(error as NodeJS.ErrnoException).code ?? 'no write access'}); open it once where it is writable.`);
    }
  }

  /** A session begun without a patient reference gets a generated one (`generatedPatientRef`), logged like a given one. */
  async startSession(operator: string, patientRef?: string): Promise<Session> {
    const now = this.deps.now();
    const fields = { started_at: now.toISOString(), operator, patient_ref: patientRef?.trim() || this.deps.newPatientRef() };
    const id = await this.write('new session', () => {
      const id = this.freeId('sessions', now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-'));
      this.db.prepare('INSERT INTO sessions (id, started_at, operator, patient_ref) VALUES (@id, @started_at, @operator, @patient_ref)').run({ id, ...fields });
      appendEntry(this.db, 'session', id, fields, this.key);
      return id;
    });
    return { id, ...fields, captures: 0 };
  }

  /**
   * Writes the image to a temp file, commits its row and journal entry, then renames the image
   * into place. On a failure neither is left behind; after a crash between the commit and the
   * rename, the next open completes the rename. Before the commit the temp file and its name are
   * flushed, so that no power cut leaves a committed row without its image's bytes.
   */
  async addCapture(sessionId: string, jpeg: Uint8Array, result: CaptureResult): Promise<Capture> {
    const now = this.deps.now();
    const taken = { session_id: sessionId, captured_at: now.toISOString(), image_path: '', image_sha256: createHash('sha256').update(jpeg).digest('hex') };
    const record = captureRecord(taken, result);
    let temp: string | undefined;
    let capture: Capture;
    try {
      capture = await this.write('capture', async () => {
        const id = this.freeId('captures', now.toISOString().slice(11, 19).replace(/:/g, ''));
        record.image_path = path.join(sessionId, `${id}.jpg`);
        const folder = path.join(this.dataDir, sessionId);
        await makeFolders(folder, this.deps.fs);
        temp = await writeTempFile(this.deps.fs, path.join(this.dataDir, record.image_path), jpeg);
        await syncFolder(this.deps.fs, folder);
        const row: Capture = { id, ...record, ...notYetSet() };
        this.db.prepare(INSERT_CAPTURE).run(row);
        appendEntry(this.db, 'capture', id, record, this.key);
        return row;
      });
    } catch (error) {
      if (temp) await this.deps.fs.unlink(temp).catch(() => undefined); // written, but its row never committed
      throw error;
    }
    try {
      await publishTempFile(this.deps.fs, temp!, path.join(this.dataDir, capture.image_path));
    } catch (error) {
      throw new StoreError(`The capture was logged, but its image is still in a temporary file (${describeStoreFailure(error, this.dataDir)}); reopening the log puts it in place.`);
    }
    return capture;
  }

  /**
   * An id that no row of the table has yet: `<prefix>-<random>`, with a counter added on the
   * rare draw that is taken. Called under the write lock, so no other process takes it meanwhile.
   */
  private freeId(table: 'sessions' | 'captures' | 'lesions', prefix: string): string {
    const taken = this.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`);
    const drawn = `${prefix}-${this.deps.randomId()}`;
    let id = drawn;
    for (let n = 2; taken.get(id); n++) id = `${drawn}-${n}`;
    return id;
  }

  /** Sets the body site and note of a capture (fields left out keep their value), as a journal entry; returns the updated capture. */
  async annotate(captureId: string, fields: Annotation): Promise<Capture | undefined> {
    return this.write('note', () => {
      const updated = this.db
        .prepare(ANNOTATE_CAPTURE)
        .get({ id: captureId, ...Object.fromEntries(ANNOTATED_FIELDS.map((field) => [field, fields[field] ?? null])) }) as Capture | undefined;
      if (updated) appendEntry(this.db, 'annotation', captureId, { at: this.deps.now().toISOString(), ...fields }, this.key);
      return updated;
    });
  }

  /** Starts following a lesion of a patient, labelled L1, L2, … in the order the patient's lesions are added. */
  async addLesion(patientRef: string, bodySite: string | null): Promise<Lesion> {
    const now = this.deps.now();
    return this.write('new lesion', () => {
      const fields = { patient_ref: patientRef, body_site: bodySite?.trim() || null, label: nextLesionLabel(this.db, patientRef), created_at: now.toISOString() };
      const id = this.freeId('lesions', `lesion-${now.toISOString().slice(0, 10).replace(/-/g, '')}`);
      this.db.prepare('INSERT INTO lesions (id, patient_ref, body_site, label, created_at) VALUES (@id, @patient_ref, @body_site, @label, @created_at)').run({ id, ...fields });
      appendEntry(this.db, 'lesion', id, fields, this.key);
      return { id, ...fields };
    });
  }

  /** Attaches a capture to a lesion of the same patient, as a journal entry; returns the updated capture. */
  async attachToLesion(captureId: string, lesionId: string): Promise<Capture> {
    return this.write('lesion link', () => {
      const lesion = lesionById(this.db, lesionId);
      const patient = patientOfCapture(this.db, captureId);
      if (!lesion || patient === undefined) throw new UserError(`There is no ${lesion ? `capture ${captureId}` : `lesion ${lesionId}`} in this log.`);
      if (patient !== lesion.patient_ref) throw new UserError(`Capture ${captureId} is of patient ${patient ?? '(none)'}, and lesion ${lesion.label} of ${lesion.patient_ref}: a capture is attached only to its own patient's lesions.`);
      const updated = this.db.prepare('UPDATE captures SET lesion_id = ? WHERE id = ? RETURNING *').get(lesionId, captureId) as Capture;
      appendEntry(this.db, 'lesion-link', captureId, { at: this.deps.now().toISOString(), lesion_id: lesionId }, this.key);
      return updated;
    });
  }

  /** Lesions in the order they were added, of one patient or of all. */
  lesions(patientRef?: string): Lesion[] {
    return lesionsOf(this.db, patientRef);
  }

  /** A lesion's captures, oldest first, withdrawn ones left out. */
  capturesOfLesion(lesionId: string): Capture[] {
    return capturesOfLesion(this.db, lesionId);
  }

  lesion(id: string): Lesion | undefined {
    return lesionById(this.db, id);
  }

  /** A capture's series and instance number in its session's study. */
  capturePosition(capture: Capture): CapturePosition {
    return capturePosition(this.db, capture);
  }

  /**
   * Withdraws a capture (a retake): its row stays, marked with the time and the reason, the
   * journal records it, and then its image is deleted, for good: its folder is flushed, so that a
   * power cut does not bring the image back (where doctor --verify would find it unreferenced).
   */
  async withdrawCapture(captureId: string, reason: string): Promise<void> {
    const at = this.deps.now().toISOString();
    const withdrawn = await this.write('withdrawal', () => {
      const row = this.db
        .prepare('UPDATE captures SET withdrawn_at = ?, withdrawn_reason = ? WHERE id = ? AND withdrawn_at IS NULL RETURNING image_path')
        .get(at, reason, captureId) as { image_path: string } | undefined;
      if (row) appendEntry(this.db, 'withdrawal', captureId, { at, reason }, this.key);
      return row;
    });
    if (!withdrawn) return;
    const image = path.join(this.dataDir, withdrawn.image_path);
    await this.deps.fs.unlink(image).then(() => syncFolder(this.deps.fs, path.dirname(image))).catch(() => undefined);
  }

  /**
   * Moves files that no capture refers to (paths relative to the data folder) into
   * `unreferenced/<time>/`; nothing is deleted. The journal records the moves before a file
   * moves, so that a repair that stops half-way (killed, a failing disk) is finished by the next
   * one, which moves what is left where the journal says. Both steps hold the write lock, so that
   * no capture is being written meanwhile. A file gone since it was listed is skipped, and not
   * journaled. Returns where each file went.
   */
  async moveAside(files: string[]): Promise<Move[]> {
    const moves = await this.write('repair', async () => {
      const referenced = this.db.prepare('SELECT 1 FROM captures WHERE image_path = ? AND withdrawn_at IS NULL');
      const strays = await this.stillThere(files.filter((file) => !referenced.get(file))); // a row may have been committed after the check
      const unfinished = await this.unfinishedMoves(strays);
      const folder = await this.newRepairFolder();
      const moves = strays.map((from) => unfinished.get(from) ?? { from, to: path.join(folder, from) });
      const planned = moves.filter(({ from }) => !unfinished.has(from));
      if (planned.length > 0) appendEntry(this.db, 'repair', '.', { at: this.deps.now().toISOString(), moved: planned }, this.key);
      return moves;
    });
    if (moves.length > 0) await this.write('repair', () => this.carryOut(moves), { anchored: false });
    return moves;
  }

  /** The files still there: one may have gone since verify listed it (put in place by a writable open, moved by another repair). */
  private async stillThere(files: string[]): Promise<string[]> {
    const present = await Promise.all(files.map((file) => exists(path.join(this.dataDir, file))));
    return files.filter((_, i) => present[i]);
  }

  /** Moves of these files that an earlier repair journaled but did not make: their destination is still free. */
  private async unfinishedMoves(files: string[]): Promise<Map<string, Move>> {
    const wanted = new Set(files);
    const journaled = new Map<string, Move>();
    for (const { body } of this.db.prepare("SELECT body FROM journal WHERE kind = 'repair' ORDER BY seq").all() as { body: string }[]) {
      for (const move of movesIn(body)) if (wanted.has(move.from)) journaled.set(move.from, move);
    }
    // a taken destination means that move was made, and the file now where it came from is another one
    for (const [from, move] of journaled) if (await exists(path.join(this.dataDir, move.to))) journaled.delete(from);
    return journaled;
  }

  /** `unreferenced/<time>`, with a counter when an earlier repair in the same second took that name. */
  private async newRepairFolder(): Promise<string> {
    const stamp = this.deps.now().toISOString().replace(/[-:]/g, '').slice(0, 15);
    let folder = path.join(UNREFERENCED_FOLDER, stamp);
    for (let n = 2; await exists(path.join(this.dataDir, folder)); n++) folder = path.join(UNREFERENCED_FOLDER, `${stamp}-${n}`);
    return folder;
  }

  /**
   * Makes the moves (each destination folder flushed into its parent before a file goes in), then
   * flushes every folder a file left or entered, so that the moves survive a power cut. One cut
   * before that flush may undo some moves; the journal still has them, and the next repair makes them.
   */
  private async carryOut(moves: Move[]): Promise<void> {
    const touched = new Set<string>();
    for (const [done, { from, to }] of moves.entries()) {
      try {
        await makeFolders(path.join(this.dataDir, path.dirname(to)), this.deps.fs);
        await this.deps.fs.rename(path.join(this.dataDir, from), path.join(this.dataDir, to));
        touched.add(path.dirname(from)).add(path.dirname(to));
      } catch (error) {
        if (!(await exists(path.join(this.dataDir, from)))) continue; // gone since it was listed: nothing to move
        throw new StoreError(
          `The repair moved ${done} of ${moves.length} files aside and stopped (${describeStoreFailure(error, this.dataDir)}); the journal records the whole move, and doctor --verify --repair finishes it.`,
        );
      }
    }
    try {
      for (const folder of touched) await syncFolder(this.deps.fs, path.join(this.dataDir, folder));
    } catch (error) {
      throw new StoreError(
        `The repair moved the files aside, but the disk did not confirm it (${describeStoreFailure(error, this.dataDir)}); the journal records the whole move, and doctor --verify --repair finishes it if a file is back where it was.`,
      );
    }
  }

  sessions(): Session[] {
    return this.db.prepare(`${SESSIONS_WITH_COUNTS} GROUP BY s.id ORDER BY s.started_at, s.rowid`).all() as Session[];
  }

  session(id: string): Session | undefined {
    return this.db.prepare(`${SESSIONS_WITH_COUNTS} WHERE s.id = ? GROUP BY s.id`).get(id) as Session | undefined;
  }

  /** The log's clock (the one that stamps captures). */
  now(): Date {
    return this.deps.now();
  }

  /** Captures in the order they were logged, withdrawn ones included. */
  captures(sessionId?: string): Capture[] {
    return (
      sessionId === undefined
        ? this.db.prepare('SELECT * FROM captures ORDER BY rowid')
        : this.db.prepare('SELECT * FROM captures WHERE session_id = ? ORDER BY rowid')
    ).all(...(sessionId === undefined ? [] : [sessionId])) as Capture[];
  }

  /**
   * The same captures one row at a time, for exports of the whole log, which must not hold every
   * row at once. The log takes no writes until the iteration ends (or is returned).
   */
  iterateCaptures(sessionId?: string): IterableIterator<Capture> {
    return (
      sessionId === undefined
        ? this.db.prepare('SELECT * FROM captures ORDER BY rowid')
        : this.db.prepare('SELECT * FROM captures WHERE session_id = ? ORDER BY rowid')
    ).iterate(...(sessionId === undefined ? [] : [sessionId])) as IterableIterator<Capture>;
  }

  /** What tells this log from every other: the hash of its first journal entry (empty for a log with no entries yet). */
  identity(): string {
    return journalIdentity(this.db);
  }

  /** The newest journal entry: printed with each export, so that a copy kept elsewhere can vouch for the log. */
  head(): JournalHead {
    return journalHead(this.db);
  }

  /** The journal's entries in order, one at a time. */
  journal(): IterableIterator<JournalEntry> {
    return this.db.prepare('SELECT * FROM journal ORDER BY seq').iterate() as IterableIterator<JournalEntry>;
  }

  /** The journal entry numbered `seq`. */
  journalEntry(seq: number): JournalEntry | undefined {
    return this.db.prepare('SELECT * FROM journal WHERE seq = ?').get(seq) as JournalEntry | undefined;
  }

  /** The journal entry at `position` (from 0) in the journal's order: entry `position + 1` unless entries were removed. */
  journalEntryAt(position: number): JournalEntry | undefined {
    return this.db.prepare('SELECT * FROM journal ORDER BY seq LIMIT 1 OFFSET ?').get(position) as JournalEntry | undefined;
  }

  /**
   * Runs `read` in one read transaction: every read of this log until it ends sees the log as it
   * was at the first one, while other processes go on writing (WAL keeps that snapshot for it).
   * This process's own writes wait until it ends.
   */
  async readSnapshot<T>(read: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(async () => {
      const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
      this.db.pragma(`cache_size = ${SNAPSHOT_CACHE_SIZE}`);
      this.db.exec('BEGIN');
      try {
        return await read();
      } finally {
        this.db.exec('COMMIT');
        this.db.pragma(`cache_size = ${cacheSize}`);
      }
    });
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /** Captures whose current version waits to be sent to `destination`, in capture order: those due now, or all with `ignoreBackoff`. */
  dueForDelivery(destination: string, limit: number, { ignoreBackoff = false } = {}): WaitingCapture[] {
    return dueCaptures(this.db, destination, this.deps.now(), limit, ignoreBackoff);
  }

  /** Records one attempt at sending a capture's version; not journaled, and not anchored: it changes no record. */
  async recordDelivery(capture: { id: string; sopInstanceUid: string; versionSeq: number }, destination: string, outcome: DeliveryOutcome): Promise<void> {
    await this.write('delivery record', () => recordDelivery(this.db, capture, destination, outcome, this.deps.now()), { anchored: false });
  }

  /** The journal entry that made a capture's current version (its last annotation or lesion link); undefined for the first version. */
  captureVersion(captureId: string): { seq: number; hash: string } | undefined {
    return captureVersion(this.db, captureId);
  }

  /** Rejection notes `destination` is owed for superseded and withdrawn objects, in capture order: those due now, or all with `ignoreBackoff`. */
  owedRejections(destination: string, limit: number, { ignoreBackoff = false } = {}): OwedRejection[] {
    return owedRejections(this.db, destination, this.deps.now(), limit, ignoreBackoff);
  }

  /** Records one attempt at sending a rejection note; like a delivery, not journaled. */
  async recordRejection(rejection: { captureId: string; rejectedUid: string }, destination: string, outcome: DeliveryOutcome): Promise<void> {
    await this.write('rejection record', () => recordRejection(this.db, rejection, destination, outcome, this.deps.now()), { anchored: false });
  }

  /** Puts the captures `destination` refused for good back in the queue (`outbox --retry`); returns how many. */
  async requeueRefused(destination: string): Promise<number> {
    return this.write('delivery requeue', () => requeueRefused(this.db, destination), { anchored: false });
  }

  deliveryStatus(destination: string): DestinationStatus {
    return destinationStatus(this.db, destination);
  }

  async close(): Promise<void> {
    await this.writeQueue;
    this.db.close();
    await this.release();
  }

  /**
   * Refuses, in one sentence, to write once the data folder or its database is no longer at the
   * path it was opened from (moved, deleted or replaced while the app runs): the rows would go
   * into a database nobody finds again, and the images into a new folder at the old path. Every
   * write checks this first; the app also checks before it takes a picture.
   */
  async refuseWhenMoved(): Promise<void> {
    if (this.opened && (await movedOrDeleted(this.dataDir, this.opened))) {
      throw new StoreError(`The data folder ${this.dataDir} was moved or deleted while dermacam was running, so nothing more is saved: put it back, or restart dermacam.`);
    }
  }

  /**
   * Runs one write under SQLite's write lock (waiting for other processes up to the busy
   * timeout) and one at a time in this process; then appends the new head to the anchor.
   */
  private async write<T>(what: string, work: () => Promise<T> | T, { anchored = true } = {}): Promise<T> {
    const run = this.writeQueue.then(async () => {
      let result: T;
      try {
        await this.refuseWhenMoved();
        this.db.exec('BEGIN IMMEDIATE');
        try {
          result = await work();
          this.db.exec('COMMIT');
        } catch (error) {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
          throw error;
        }
      } catch (error) {
        if (error instanceof UserError) throw error; // the write was refused for a reason of its own, already in words
        throw new StoreError(`The ${what} was not saved: ${describeStoreFailure(error, this.dataDir)}. Earlier captures are untouched.`);
      }
      // behind the journal after a failure here is allowed: the anchor only vouches for what it saw
      if (anchored) await appendAnchor(this.dataDir, journalHead(this.db), this.deps.fs).catch(() => undefined);
      return result;
    });
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Image temp files left behind. One that holds a committed capture's missing image is put in
   * place (the crash came between the commit and the rename), whatever pid its name gives: after
   * a reboot that pid may run again, and a live writer's rename copes with it being done. Any
   * other is removed once its writer is gone, its row never committed. Only ours (named with
   * their writer's pid), only in the session folders. And a withdrawn capture's image still there
   * (a crash or a power cut came between the withdrawal's commit and the deletion) is deleted.
   */
  private async finishInterruptedWrites(): Promise<void> {
    const committed = this.db.prepare('SELECT image_sha256 FROM captures WHERE image_path = ? AND withdrawn_at IS NULL');
    // one query, not one per image: image_path has no index, and a large log holds 100,000 images
    const withdrawn = new Set((this.db.prepare('SELECT image_path FROM captures WHERE withdrawn_at IS NOT NULL').all() as { image_path: string }[]).map((row) => row.image_path));
    for (const { id } of this.db.prepare('SELECT id FROM sessions').all() as { id: string }[]) {
      const folder = path.join(this.dataDir, id);
      const names = await this.deps.fs.readdir(folder).catch(() => [] as string[]);
      let deleted = false;
      for (const name of names) {
        const writer = tempFileWriter(name);
        if (writer === undefined) {
          if (withdrawn.has(path.join(id, name))) deleted = (await this.deps.fs.unlink(path.join(folder, name)).then(() => true, () => false)) || deleted;
          continue;
        }
        const target = tempFileTarget(name);
        const temp = path.join(folder, name);
        const row = committed.get(path.join(id, target)) as { image_sha256: string } | undefined;
        if (row && !names.includes(target)) {
          if (await holdsBytes(temp, row.image_sha256)) await publishTempFile(this.deps.fs, temp, path.join(folder, target), { replace: false }).catch(() => undefined);
        } else if (!isAlive(writer)) await this.deps.fs.unlink(temp).catch(() => undefined);
      }
      if (deleted) await syncFolder(this.deps.fs, folder).catch(() => undefined);
    }
  }
}

/** A file by device and inode: what a path leads to, whatever its name. */
interface FileId {
  dev: bigint;
  ino: bigint;
}

interface OpenedFiles {
  folder: FileId;
  database: FileId;
}

async function filesAt(dataDir: string): Promise<OpenedFiles> {
  const folder = await fsPromises.stat(dataDir, { bigint: true });
  return { folder, database: await fsPromises.stat(path.join(dataDir, DATABASE_FILE), { bigint: true }) };
}

const sameFile = (a: FileId, b: FileId) => a.dev === b.dev && a.ino === b.ino;

/** Whether the data folder's path no longer leads to the folder and database opened there. */
async function movedOrDeleted(dataDir: string, opened: OpenedFiles): Promise<boolean> {
  try {
    const now = await filesAt(dataDir);
    return !sameFile(now.folder, opened.folder) || !sameFile(now.database, opened.database);
  } catch (error) {
    // another failure (no permission to look) is for the write itself to report
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/** A file moved aside by a repair, both paths relative to the data folder. */
export interface Move {
  from: string;
  to: string;
}

/** The moves a repair entry journaled: only those into a repair's folder, whatever an edited entry says. */
function movesIn(body: string): Move[] {
  let moved: unknown;
  try {
    moved = (JSON.parse(body) as { moved?: unknown } | null)?.moved;
  } catch {
    return [];
  }
  return Array.isArray(moved) ? moved.filter(isMoveAside) : [];
}

/** Where a repair puts a file: `unreferenced/<time>[-n]/<where it was>`. */
const REPAIR_DESTINATION = new RegExp(`^${UNREFERENCED_FOLDER}/\\d{8}T\\d{6}(?:-\\d+)?/(.+)$`);

function isMoveAside(move: unknown): move is Move {
  const { from, to } = (move ?? {}) as Partial<Record<keyof Move, unknown>>;
  return typeof from === 'string' && typeof to === 'string' && REPAIR_DESTINATION.exec(to)?.[1] === from;
}


function cannotOpen(file: string, error: unknown): StoreError {
  const reason = error instanceof SchemaError ? error.message : `${describeStoreFailure(error, path.dirname(file))}.`;
  return new StoreError(`Cannot open the session log ${file}: ${reason} It was left untouched.`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}

/** Folders that are never a data folder: a mistyped or linked --data-dir must not fill them. */
const SYSTEM_FOLDERS = ['/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/run', '/sbin', '/sys', '/usr', '/var'];

async function refuseSystemFolder(dataDir: string): Promise<void> {
  const real = await fsPromises.realpath(dataDir).catch(() => path.resolve(dataDir));
  if (SYSTEM_FOLDERS.includes(real)) {
    throw new StoreError(`The data folder ${dataDir} is the system folder ${real}; choose a folder of its own with --data-dir.`);
  }
}
