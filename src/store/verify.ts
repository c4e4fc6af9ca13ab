import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRegularFile } from '../regularFile.js';
import { newestAnchored, readAnchor } from './anchor.js';
import { tempFileTarget, tempFileWriter } from './atomicFile.js';
import { entryHash, entryMac, GENESIS_HASH, type JournalEntry, type JournalHead } from './journal.js';
import { CAPTURE_FIELDS, LESION_FIELDS, SESSION_FIELDS, type Capture } from './records.js';
import { replayJournal } from './replay.js';
import { SESSION_ID_PATTERN, UNREFERENCED_FOLDER, type LogSnapshot, type SessionLog } from './sessionLog.js';

export interface Finding {
  message: string;
  /** A file that no capture refers to, relative to the data folder: `doctor --verify --repair` moves it aside. */
  unreferenced?: string;
}

/** Something worth knowing that is not tampering. */
export interface Note {
  message: string;
  /** A committed capture's image, relative to the data folder, still in its temp file: a writable open puts it in place. */
  pendingImage?: string;
}

export interface VerifyReport {
  head: JournalHead;
  captures: number;
  /** The newest entry that the anchor file vouches for (0 when it has none). */
  anchored: number;
  /** Whether MACs were checked (a log key was given). */
  keyed: boolean;
  findings: Finding[];
  notes: Note[];
}

export interface VerifyOptions {
  key?: Buffer;
  /** How long to wait before re-reading the rows of files that seem to have none: a capture may be committing. */
  settleMs?: number;
}

type Anchor = NonNullable<Awaited<ReturnType<typeof readAnchor>>>;

/**
 * Checks everything the log can vouch for: the journal's links (and MACs, with the key), that
 * the tables hold exactly what the journal adds up to, that the anchor's heads are in the
 * journal, every image's sha256, and that no file in a session folder lacks a row. Whatever
 * the data folder holds, the answer is findings, never an exception.
 */
export async function verifySessionLog(log: SessionLog, { key, settleMs = 1000 }: VerifyOptions = {}): Promise<VerifyReport> {
  // read before the rows: the anchor and the images are written before the rows they vouch for are visible
  const anchor = await readAnchor(log.dataDir).catch((error: Error) => error);
  const listing = await listDataFolder(log);
  const snapshot = log.snapshot();
  const findings = [...checkJournal(snapshot.journal, key), ...checkTables(snapshot)];
  findings.push(...(anchor instanceof Error ? [{ message: `the anchor file cannot be read: ${anchor.message}` }] : checkAnchor(snapshot.journal, anchor)));
  const images = await checkImages(log, snapshot);
  findings.push(...listing.findings, ...images.findings);
  findings.push(...(await findUnreferenced(log, listing.files, snapshot, settleMs)));
  return {
    head: snapshot.journal.at(-1) ?? { seq: 0, hash: GENESIS_HASH },
    captures: snapshot.captures.length,
    anchored: anchor instanceof Error ? 0 : newestAnchored(anchor?.heads ?? []),
    keyed: key !== undefined,
    findings,
    notes: [...images.notes, ...listing.notes],
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

function checkAnchor(journal: readonly JournalEntry[], anchor: Anchor | undefined): Finding[] {
  if (!anchor) return journal.length > 0 ? [{ message: 'the anchor file dermacam.anchor is missing: nothing vouches that the newest entries are all there' }] : [];
  const findings: Finding[] = [];
  if (anchor.badLines > 0) findings.push({ message: `the anchor file has ${anchor.badLines} line(s) that are not "<entry> <hash>": it was edited` });
  const newest = newestAnchored(anchor.heads);
  if (newest > journal.length) findings.push({ message: `the journal ends at entry ${journal.length}, but the anchor saw entry ${newest}: the newest entries were removed` });
  const rewritten = anchor.heads.find((head) => head.seq <= journal.length && journal[head.seq - 1]!.hash !== head.hash);
  if (rewritten) findings.push({ message: `journal entry ${rewritten.seq} is not the one the anchor saw: the journal was rewritten` });
  return findings;
}

async function checkImages(log: SessionLog, { captures }: LogSnapshot): Promise<{ findings: Finding[]; notes: Note[] }> {
  const findings: Finding[] = [];
  const notes: Note[] = [];
  for (const capture of captures) {
    if (capture.withdrawn_at !== null) continue; // its image was deleted; a leftover is found as unreferenced
    const imagePath = String(capture.image_path);
    const file = path.join(log.dataDir, imagePath);
    const read = () => readRegularFile(file, { followLinks: false });
    let image: Buffer;
    try {
      image = await read();
    } catch (error) {
      // withdrawn since the snapshot (the withdrawal commits, then deletes the image), or committed but not yet renamed into place
      if (log.captures(capture.session_id).find((row) => row.id === capture.id)?.withdrawn_at) continue;
      const temp = await committedTempFile(log.dataDir, capture);
      if (temp) {
        notes.push({ message: `capture ${capture.id}: its image ${imagePath} is committed but still in its temporary file ${path.basename(temp)}: the app's next writable open, or doctor --verify --repair, puts it in place`, pendingImage: imagePath });
        continue;
      }
      // or renamed into place between the read and the look for its temp file: then it is there now
      const now = await read().catch(() => undefined);
      if (!now) {
        findings.push({ message: `capture ${capture.id}: its image ${imagePath} ${await describeUnreadable(file, error as Error)}` });
        continue;
      }
      image = now;
    }
    if (sha256(image) !== capture.image_sha256) findings.push({ message: `capture ${capture.id}: its image ${imagePath} was changed` });
  }
  return { findings, notes };
}

async function describeUnreadable(file: string, error: Error): Promise<string> {
  const missing = await lstat(file).then(() => false, (lstatError: NodeJS.ErrnoException) => lstatError.code === 'ENOENT');
  return missing ? 'is missing' : `cannot be checked: ${error.message}`;
}

/**
 * A temp file of ours beside a capture's missing image that holds exactly the image's bytes:
 * the capture was committed and its image is renamed into place next (or was not, after a crash).
 * Its content decides, not the pid in its name: pid 1 is always alive, and a reboot reuses pids.
 */
async function committedTempFile(dataDir: string, capture: Capture): Promise<string | undefined> {
  const image = String(capture.image_path);
  const folder = path.dirname(image);
  const names = await readdir(path.join(dataDir, folder)).catch(() => [] as string[]);
  for (const name of names) {
    if (tempFileWriter(name) === undefined || tempFileTarget(name) !== path.basename(image)) continue;
    const temp = path.join(folder, name);
    if (await holdsImageOf(dataDir, temp, capture)) return temp;
  }
  return undefined;
}

async function holdsImageOf(dataDir: string, file: string, capture: Capture): Promise<boolean> {
  const bytes = await readRegularFile(path.join(dataDir, file), { followLinks: false }).catch(() => undefined);
  return bytes !== undefined && sha256(bytes) === capture.image_sha256;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface DataFolderListing {
  /** The files of the session folders, relative to the data folder. */
  files: string[];
  /** Session folders that cannot be listed. */
  findings: Finding[];
  /** The folders left alone: they are not sessions (an export, a mount point's lost+found...). */
  notes: Note[];
}

/**
 * The files of the data folder's session folders: those of the log's sessions, and any other
 * named as the log names sessions (a session whose rows were deleted). Other folders, and
 * `unreferenced/`, are not the log's: they are left alone, and not even listed.
 */
async function listDataFolder(log: SessionLog): Promise<DataFolderListing> {
  const listing: DataFolderListing = { files: [], findings: [], notes: [] };
  let entries;
  try {
    entries = await readdir(log.dataDir, { withFileTypes: true });
  } catch (error) {
    listing.findings.push({ message: `the data folder ${log.dataDir} cannot be listed: ${(error as Error).message}` });
    return listing;
  }
  const sessions = new Set(log.sessions().map((session) => session.id));
  const others: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === UNREFERENCED_FOLDER) continue;
    if (!sessions.has(entry.name) && !SESSION_ID_PATTERN.test(entry.name)) {
      others.push(entry.name);
      continue;
    }
    try {
      for (const name of await readdir(path.join(log.dataDir, entry.name))) listing.files.push(path.join(entry.name, name));
    } catch (error) {
      listing.findings.push({ message: `the session folder ${entry.name} cannot be listed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  }
  if (others.length > 0) listing.notes.push({ message: `left alone, as they are not session folders: ${others.sort().join(', ')}` });
  return listing;
}

/**
 * Files in session folders that no capture refers to. One that looks unreferenced may be a
 * capture being written (its temp file before the commit), so those are looked at again after
 * `settleMs`, against the rows as they are then.
 */
async function findUnreferenced(log: SessionLog, files: string[], snapshot: LogSnapshot, settleMs: number): Promise<Finding[]> {
  let candidates = await unreferencedAmong(log.dataDir, files, snapshot.captures);
  if (candidates.length > 0) {
    await sleep(settleMs);
    const present = await Promise.all(candidates.map((file) => lstat(path.join(log.dataDir, file)).then(() => true, () => false)));
    candidates = await unreferencedAmong(log.dataDir, candidates.filter((_, i) => present[i]), log.captures());
  }
  return candidates.map((file) => ({ message: `${file} is in a session folder but no capture refers to it`, unreferenced: file }));
}

/** The files that are neither a live capture's image nor a committed capture's image still in its temp file. */
async function unreferencedAmong(dataDir: string, files: string[], captures: Capture[]): Promise<string[]> {
  const live = new Map(captures.filter((capture) => capture.withdrawn_at === null).map((capture) => [String(capture.image_path), capture]));
  const unreferenced: string[] = [];
  for (const file of files) {
    if (live.has(file)) continue;
    const waiting = tempFileWriter(file) === undefined ? undefined : live.get(path.join(path.dirname(file), tempFileTarget(path.basename(file))));
    if (waiting && !(await exists(path.join(dataDir, String(waiting.image_path)))) && (await holdsImageOf(dataDir, file, waiting))) continue;
    unreferenced.push(file);
  }
  return unreferenced;
}

const exists = (file: string) => lstat(file).then(() => true, () => false);
