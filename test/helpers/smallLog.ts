import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { entryHash, GENESIS_HASH, type JournalEntry } from '../../src/store/journal.js';
import { DATABASE_FILE, SessionLog, type CaptureResult } from '../../src/store/sessionLog.js';
import { verifySessionLog, type VerifyReport } from '../../src/store/verify.js';

export const tempDir = (prefix = 'dermacam-verify-') => mkdtempSync(path.join(os.tmpdir(), prefix));

const result: CaptureResult = {
  p_malignant: 0.3, label: 'benign', threshold: 0.4, model_name: 'm', model_sha256: 'a'.repeat(64),
  backend: 'wasm', latency_ms: 9, quality: { ok: true, reasons: [] },
};

export interface SmallLog {
  dir: string;
  sessionIds: string[];
  /** Each capture's id and image path (relative to the data folder), in the order they were logged. */
  captures: { id: string; image_path: string; jpeg: Buffer }[];
}

/** A closed log: two sessions, four captures, one annotated (seven journal entries). */
export async function makeSmallLog(key?: Buffer, dir = tempDir()): Promise<SmallLog> {
  const log = await SessionLog.open(dir, { key });
  const first = await log.startSession('alice', 'P-1');
  const second = await log.startSession('bob', 'P-2');
  const captures: SmallLog['captures'] = [];
  for (const [session, byte] of [[first, 1], [first, 2], [second, 3], [second, 4]] as const) {
    const jpeg = Buffer.from([0xff, 0xd8, byte]);
    const { id, image_path } = await log.addCapture(session.id, jpeg, result);
    captures.push({ id, image_path, jpeg });
  }
  await log.annotate(captures[0]!.id, { body_site: 'left forearm', note: 'raised' });
  await log.close();
  return { dir, sessionIds: [first.id, second.id], captures };
}

/** What `doctor --verify` reports on the data folder, read-only as it reads it. */
export async function verifyFolder(dir: string, key?: Buffer): Promise<VerifyReport> {
  const log = await SessionLog.openForReading(dir, { key });
  try {
    return await verifySessionLog(log, { key, settleMs: 0 });
  } finally {
    await log.close();
  }
}

export async function findingsOf(dir: string, key?: Buffer): Promise<string[]> {
  return (await verifyFolder(dir, key)).findings.map((finding) => finding.message);
}

/** Changes the database directly, as someone with write access to the data folder would. */
export function tamper(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(path.join(dir, DATABASE_FILE));
  try {
    change(db);
  } finally {
    db.close();
  }
}

/** What an attacker who knows the algorithm (but not the key) does after an edit: recompute every hash. */
export function rechain(db: Database.Database): void {
  let previous = GENESIS_HASH;
  for (const entry of db.prepare('SELECT * FROM journal ORDER BY seq').all() as JournalEntry[]) {
    const hash = entryHash(previous, entry.seq, entry.kind, entry.subject, entry.body);
    db.prepare('UPDATE journal SET prev_hash = ?, hash = ?, mac = NULL WHERE seq = ?').run(previous, hash, entry.seq);
    previous = hash;
  }
}
