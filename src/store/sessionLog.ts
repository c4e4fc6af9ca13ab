import { createHash, randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import { tempFileWriter, writeFileAtomic, type FileSystem } from './atomicFile.js';
import { captureHash, GENESIS_HASH, type ChainedCapture } from './chain.js';
import { migrate, SchemaError } from './schema.js';

export interface Session {
  id: string;
  started_at: string;
  operator: string;
  patient_ref: string | null;
  captures: number;
}

/** What the classifier said about one capture. */
export interface CaptureResult {
  p_malignant: number | null;
  label: 'benign' | 'malignant' | 'uncertain' | 'rejected';
  threshold: number | null;
  model_name: string;
  model_sha256: string;
  backend: string;
  latency_ms: number | null;
  quality: { ok: boolean; reasons: string[] };
}

export interface Capture extends ChainedCapture {
  body_site: string | null;
  note: string | null;
  prev_hash: string;
  row_hash: string;
}

export const DATABASE_FILE = 'dermacam.db';

/** Clock and id source, injectable so that tests are deterministic. */
export interface StoreDeps {
  fs: FileSystem;
  now: () => Date;
  randomId: () => string;
}

const defaultDeps: StoreDeps = { fs: fsPromises, now: () => new Date(), randomId: () => randomBytes(3).toString('hex') };

export class StoreError extends UserError {}

function describeWriteFailure(error: NodeJS.ErrnoException, dataDir: string): string {
  const why =
    error.code === 'ENOSPC' ? 'the disk is full' :
    error.code === 'EACCES' || error.code === 'EPERM' ? `dermacam may not write in ${dataDir}` :
    error.code === 'EROFS' ? 'the disk is read-only' :
    `the image could not be written (${error.code ?? error.message})`;
  return `The capture was not saved: ${why}. Earlier captures are untouched.`;
}

const SESSIONS_WITH_COUNTS = `SELECT s.id, s.started_at, s.operator, s.patient_ref, count(c.id) AS captures
  FROM sessions s LEFT JOIN captures c ON c.session_id = s.id`;

/**
 * The local log of sessions and captures: an SQLite database (WAL) in the data folder, and each
 * capture's JPEG in `<data-dir>/<session>/<capture>.jpg`, written before its row is committed.
 */
export class SessionLog {
  private constructor(
    readonly dataDir: string,
    private readonly db: Database.Database,
    private readonly deps: StoreDeps,
  ) {}

  static async open(dataDir: string, overrides: Partial<StoreDeps> = {}): Promise<SessionLog> {
    const deps = { ...defaultDeps, ...overrides };
    await refuseSystemFolder(dataDir);
    await deps.fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, DATABASE_FILE);
    // an empty file is an empty SQLite database; made first so that it (and its -wal, -shm) are private
    await deps.fs.open(file, 'a', 0o600).then((handle) => handle.close());
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (error) {
      const reason = error instanceof SchemaError ? error.message : 'it is not a dermacam session log or it is damaged.';
      throw new StoreError(`Cannot open the session log ${file}: ${reason} It was left untouched.`);
    }
    const log = new SessionLog(dataDir, db, deps);
    await log.removeLeftoverTempFiles();
    return log;
  }

  startSession(operator: string, patientRef?: string): Session {
    const now = this.deps.now();
    const id = `${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${this.deps.randomId()}`;
    const session = { id, started_at: now.toISOString(), operator, patient_ref: patientRef?.trim() || null };
    this.db.prepare('INSERT INTO sessions (id, started_at, operator, patient_ref) VALUES (@id, @started_at, @operator, @patient_ref)').run(session);
    return { ...session, captures: 0 };
  }

  /** Writes the image atomically, then commits its row: a crash never leaves a row without its image. */
  async addCapture(sessionId: string, jpeg: Uint8Array, result: CaptureResult): Promise<Capture> {
    const now = this.deps.now();
    const id = `${now.toISOString().slice(11, 19).replace(/:/g, '')}-${this.deps.randomId()}`;
    const imagePath = path.join(sessionId, `${id}.jpg`);
    try {
      await this.deps.fs.mkdir(path.join(this.dataDir, sessionId), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.deps.fs, path.join(this.dataDir, imagePath), jpeg);
    } catch (error) {
      throw new StoreError(describeWriteFailure(error as NodeJS.ErrnoException, this.dataDir));
    }
    const capture: Capture = {
      id,
      session_id: sessionId,
      captured_at: now.toISOString(),
      image_path: imagePath,
      image_sha256: createHash('sha256').update(jpeg).digest('hex'),
      p_malignant: result.p_malignant,
      label: result.label,
      threshold: result.threshold,
      model_name: result.model_name,
      model_sha256: result.model_sha256,
      backend: result.backend,
      latency_ms: result.latency_ms,
      quality_ok: result.quality.ok ? 1 : 0,
      quality_reasons: JSON.stringify(result.quality.reasons),
      body_site: null,
      note: null,
      prev_hash: '',
      row_hash: '',
    };
    this.db.transaction(() => {
      const previous = this.db.prepare('SELECT row_hash FROM captures ORDER BY rowid DESC LIMIT 1').get() as { row_hash: string } | undefined;
      const session = this.db.prepare('SELECT started_at, operator, patient_ref FROM sessions WHERE id = ?').get(sessionId) as Parameters<typeof captureHash>[2];
      capture.prev_hash = previous?.row_hash ?? GENESIS_HASH;
      capture.row_hash = captureHash(capture.prev_hash, capture, session);
      this.db
        .prepare(
          `INSERT INTO captures (id, session_id, captured_at, image_path, image_sha256, p_malignant, label, threshold, model_name,
             model_sha256, backend, latency_ms, quality_ok, quality_reasons, body_site, note, prev_hash, row_hash)
           VALUES (@id, @session_id, @captured_at, @image_path, @image_sha256, @p_malignant, @label, @threshold, @model_name,
             @model_sha256, @backend, @latency_ms, @quality_ok, @quality_reasons, @body_site, @note, @prev_hash, @row_hash)`,
        )
        .run(capture);
    })();
    return capture;
  }

  /** Sets the body site and note of a capture (fields left out keep their value); returns the updated capture. */
  annotate(captureId: string, fields: { body_site?: string; note?: string }): Capture | undefined {
    return this.db
      .prepare('UPDATE captures SET body_site = coalesce(@body_site, body_site), note = coalesce(@note, note) WHERE id = @id RETURNING *')
      .get({ id: captureId, body_site: fields.body_site ?? null, note: fields.note ?? null }) as Capture | undefined;
  }

  /**
   * Retake: removes the row first, then the image, so that no row ever points to a missing file.
   * Only the newest capture of the log can go, so that the hash chain stays whole.
   */
  async discardCapture(captureId: string): Promise<void> {
    const capture = this.db.prepare('SELECT image_path FROM captures WHERE id = ?').get(captureId) as { image_path: string } | undefined;
    if (!capture) return;
    const newest = this.db.prepare('SELECT id FROM captures ORDER BY rowid DESC LIMIT 1').get() as { id: string };
    if (newest.id !== captureId) throw new StoreError('Only the newest capture of the log can be discarded.');
    this.db.prepare('DELETE FROM captures WHERE id = ?').run(captureId);
    await this.deps.fs.unlink(path.join(this.dataDir, capture.image_path)).catch(() => undefined);
  }

  sessions(): Session[] {
    return this.db.prepare(`${SESSIONS_WITH_COUNTS} GROUP BY s.id ORDER BY s.started_at`).all() as Session[];
  }

  session(id: string): Session | undefined {
    return this.db.prepare(`${SESSIONS_WITH_COUNTS} WHERE s.id = ? GROUP BY s.id`).get(id) as Session | undefined;
  }

  /** Captures in the order they were logged (the order of the hash chain). */
  captures(sessionId?: string): Capture[] {
    return (
      sessionId === undefined
        ? this.db.prepare('SELECT * FROM captures ORDER BY rowid')
        : this.db.prepare('SELECT * FROM captures WHERE session_id = ? ORDER BY rowid')
    ).all(...(sessionId === undefined ? [] : [sessionId])) as Capture[];
  }

  close(): void {
    this.db.close();
  }

  /**
   * Temporary files of image writes that a crash interrupted are never referenced by a row. Only
   * ours are removed (named with their writer's pid), only in the session folders, and only when
   * that writer is gone: another process may be writing one at this moment.
   */
  private async removeLeftoverTempFiles(): Promise<void> {
    for (const { id } of this.db.prepare('SELECT id FROM sessions').all() as { id: string }[]) {
      const folder = path.join(this.dataDir, id);
      const names = await this.deps.fs.readdir(folder).catch(() => [] as string[]);
      for (const name of names) {
        const writer = tempFileWriter(name);
        if (writer !== undefined && !isAlive(writer)) await this.deps.fs.unlink(path.join(folder, name)).catch(() => undefined);
      }
    }
  }
}

function isAlive(pid: number): boolean {
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
