import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRegularFile } from '../regularFile.js';
import { readAnchor } from './anchor.js';
import { tempFileTarget, tempFileWriter } from './atomicFile.js';
import { entryHash, entryMac, GENESIS_HASH, type JournalEntry, type JournalHead } from './journal.js';
import { CAPTURE_FIELDS, LESION_FIELDS, SESSION_FIELDS } from './records.js';
import { replayJournal } from './replay.js';
import { isAlive, UNREFERENCED_FOLDER, type LogSnapshot, type SessionLog } from './sessionLog.js';

export interface Finding {
  message: string;
  /** A file that no capture refers to, relative to the data folder: `doctor --verify --repair` moves it aside. */
  unreferenced?: string;
}

export interface VerifyReport {
  head: JournalHead;
  captures: number;
  /** The newest entry that the anchor file vouches for (0 when it has none). */
  anchored: number;
  /** Whether MACs were checked (a log key was given). */
  keyed: boolean;
  findings: Finding[];
}

export interface VerifyOptions {
  key?: Buffer;
  /** How long to wait before re-reading the rows of files that seem to have none: a capture may be committing. */
  settleMs?: number;
}

/**
 * Checks everything the log can vouch for: the journal's links (and MACs, with the key), that
 * the tables hold exactly what the journal adds up to, that the anchor's heads are in the
 * journal, every image's sha256, and that no file in a session folder lacks a row.
 */
export async function verifySessionLog(log: SessionLog, { key, settleMs = 1000 }: VerifyOptions = {}): Promise<VerifyReport> {
  // read before the rows: the anchor and the images are written before the rows they vouch for are visible
  const anchor = await readAnchor(log.dataDir);
  const files = await listSessionFiles(log.dataDir);
  const snapshot = log.snapshot();
  const findings = [...checkJournal(snapshot.journal, key), ...checkTables(snapshot)];
  findings.push(...checkAnchor(snapshot.journal, anchor));
  findings.push(...(await checkImages(log, snapshot)));
  findings.push(...(await findUnreferenced(log, files, snapshot, settleMs)));
  return {
    head: snapshot.journal.at(-1) ?? { seq: 0, hash: GENESIS_HASH },
    captures: snapshot.captures.length,
    anchored: Math.max(0, ...(anchor?.heads.map((head) => head.seq) ?? [])),
    keyed: key !== undefined,
    findings,
  };
}

function checkJournal(journal: readonly JournalEntry[], key: Buffer | undefined): Finding[] {
  const findings: Finding[] = [];
  let previous = GENESIS_HASH;
  let keyedFrom: number | undefined;
  for (const [index, entry] of journal.entries()) {
    if (entry.seq !== index + 1 || entry.prev_hash !== previous) {
      findings.push({ message: `journal entry ${entry.seq}: the link to the entry before it does not match: entries were removed, added or reordered` });
      break;
    }
    if (entry.hash !== entryHash(previous, entry.seq, entry.kind, entry.subject, entry.body)) {
      findings.push({ message: `journal entry ${entry.seq} (${entry.kind} ${entry.subject}) was changed after it was written` });
      break;
    }
    previous = entry.hash;
    if (!key) continue;
    const valid = entry.mac === entryMac(key, entry.hash);
    if (entry.mac !== null && !valid) findings.push({ message: `journal entry ${entry.seq} has a MAC that the log key does not make: it was rewritten` });
    if (valid) keyedFrom ??= entry.seq;
    else if (entry.mac === null && keyedFrom !== undefined) findings.push({ message: `journal entry ${entry.seq} has no MAC although earlier entries do: it was added without the key` });
  }
  const last = journal.at(-1);
  if (key && last && last.mac !== entryMac(key, last.hash) && findings.length === 0) {
    findings.push({ message: `the newest journal entry ${last.seq} has no valid MAC: the journal was rewritten or cut back without the key (or the key came after it)` });
  }
  return findings;
}

/** The tables must hold exactly what the journal adds up to: anything else was edited, inserted or deleted behind its back. */
function checkTables({ journal, sessions, captures, lesions }: LogSnapshot): Finding[] {
  const replayed = replayJournal(journal);
  const findings: Finding[] = replayed.problems.map((message) => ({ message }));
  const compare = <Row extends object>(what: string, rows: Row[], expected: Map<string, Row>, fields: readonly (keyof Row)[], idOf: (row: Row) => string) => {
    for (const row of rows) {
      const wanted = expected.get(idOf(row));
      if (!wanted) findings.push({ message: `${what} ${idOf(row)} is in the table but not in the journal: it was inserted behind its back` });
      else {
        const changed = fields.filter((field) => row[field] !== wanted[field]);
        if (changed.length > 0) findings.push({ message: `${what} ${idOf(row)} differs from its journal entries in ${changed.join(', ')}: it was edited` });
      }
      expected.delete(idOf(row));
    }
    for (const id of expected.keys()) findings.push({ message: `${what} ${id} is in the journal but its row was deleted` });
  };
  compare('session', sessions, replayed.sessions as Map<string, (typeof sessions)[number]>, SESSION_FIELDS, (row) => row.id);
  compare('capture', captures, replayed.captures, CAPTURE_FIELDS, (row) => row.id);
  compare('lesion', lesions, replayed.lesions, LESION_FIELDS, (row) => row.id);
  return findings;
}

function checkAnchor(journal: readonly JournalEntry[], anchor: Awaited<ReturnType<typeof readAnchor>>): Finding[] {
  if (!anchor) return journal.length > 0 ? [{ message: 'the anchor file dermacam.anchor is missing: nothing vouches that the newest entries are all there' }] : [];
  const findings: Finding[] = [];
  if (anchor.badLines > 0) findings.push({ message: `the anchor file has ${anchor.badLines} line(s) that are not "<entry> <hash>": it was edited` });
  const newest = Math.max(0, ...anchor.heads.map((head) => head.seq));
  if (newest > journal.length) findings.push({ message: `the journal ends at entry ${journal.length}, but the anchor saw entry ${newest}: the newest entries were removed` });
  const rewritten = anchor.heads.find((head) => head.seq <= journal.length && journal[head.seq - 1]!.hash !== head.hash);
  if (rewritten) findings.push({ message: `journal entry ${rewritten.seq} is not the one the anchor saw: the journal was rewritten` });
  return findings;
}

async function checkImages(log: SessionLog, { captures }: LogSnapshot): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const capture of captures) {
    if (capture.withdrawn_at !== null) continue; // its image was deleted; a leftover is found as unreferenced
    const file = path.join(log.dataDir, capture.image_path);
    const read = () => readRegularFile(file, { followLinks: false });
    let image: Buffer;
    try {
      image = await read();
    } catch (error) {
      // withdrawn since the snapshot (the withdrawal commits, then deletes the image), or just committed (the image is renamed into place next)
      if (log.captures(capture.session_id).find((row) => row.id === capture.id)?.withdrawn_at) continue;
      if (await beingPutInPlace(file)) continue;
      // or renamed into place between the read and the look for its temp file: then it is there now
      const now = await read().catch(() => undefined);
      if (!now) {
        findings.push({ message: `capture ${capture.id}: its image ${capture.image_path} cannot be checked: ${(error as Error).message}` });
        continue;
      }
      image = now;
    }
    if (createHash('sha256').update(image).digest('hex') !== capture.image_sha256) {
      findings.push({ message: `capture ${capture.id}: its image ${capture.image_path} was changed` });
    }
  }
  return findings;
}

/** Whether a live writer holds a temp file for this image: it has committed the row and renames the image next. */
async function beingPutInPlace(file: string): Promise<boolean> {
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  return names.some((name) => {
    const writer = tempFileWriter(name);
    return writer !== undefined && isAlive(writer) && tempFileTarget(name) === path.basename(file);
  });
}

/** Files in the data folder's subfolders (the session folders), relative to it; `unreferenced/` is left out. */
async function listSessionFiles(dataDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const folder of await readdir(dataDir, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name === UNREFERENCED_FOLDER) continue;
    for (const name of await readdir(path.join(dataDir, folder.name))) files.push(path.join(folder.name, name));
  }
  return files;
}

async function findUnreferenced(log: SessionLog, files: string[], snapshot: LogSnapshot, settleMs: number): Promise<Finding[]> {
  const unreferenced = (captures: LogSnapshot['captures'], among: string[]) => {
    const live = new Set(captures.filter((capture) => capture.withdrawn_at === null).map((capture) => capture.image_path));
    return among.filter((file) => {
      const writer = tempFileWriter(file);
      return !live.has(file) && !(writer !== undefined && isAlive(writer)); // a live writer's temp file is work in progress
    });
  };
  let candidates = unreferenced(snapshot.captures, files);
  if (candidates.length > 0) {
    await sleep(settleMs);
    const present = await Promise.all(candidates.map((file) => lstat(path.join(log.dataDir, file)).then(() => true, () => false)));
    candidates = unreferenced(log.captures(), candidates.filter((_, i) => present[i]));
  }
  return candidates.map((file) => ({ message: `${file} is in a session folder but no capture refers to it`, unreferenced: file }));
}
