import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exists } from '../regularFile.js';
import { openAnchor } from './anchor.js';
import { holdsBytes, tempFileTarget, tempFileWriter } from './atomicFile.js';
import type { JournalHead } from './journal.js';
import { CAPTURE_FIELDS, LESION_FIELDS, SESSION_FIELDS, type Capture } from './records.js';
import { JournalReplay } from './replay.js';
import { SESSION_ID_PATTERN, UNREFERENCED_FOLDER, type SessionLog } from './sessionLog.js';
import { ImageCheck } from './verifyImages.js';
import { ChainCheck, checkAnchor, type EntryHashes } from './verifyJournal.js';

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

/**
 * Checks everything the log can vouch for: the journal's links (and MACs, with the key), that
 * the tables hold exactly what the journal adds up to, that the anchor's heads are in the
 * journal, every image's sha256, and that no file in a session folder lacks a row. Whatever
 * the data folder holds, the answer is findings, never an exception. The log is read a row at
 * a time and each image a chunk at a time, so that memory stays small however long the log.
 */
export async function verifySessionLog(log: SessionLog, { key, settleMs = 1000 }: VerifyOptions = {}): Promise<VerifyReport> {
  // opened and listed before the rows are read: the anchor and the images are written before the rows they vouch for are visible
  const anchor = await openAnchor(log.dataDir).catch((error: Error) => error);
  try {
    const listing = await listDataFolder(log);
    const read = await log.readSnapshot(() => checkSnapshot(log, key, listing.files));
    const anchorCheck = await checkAnchor(anchor, read.hashes);
    const images = await read.images.recheckUnread(log);
    const unreferenced = await findUnreferenced(log, read.unreferenced, settleMs);
    return {
      head: read.head,
      captures: read.captures,
      anchored: anchorCheck.anchored,
      keyed: key !== undefined,
      findings: [...read.findings, ...anchorCheck.findings, ...listing.findings, ...images.findings, ...unreferenced],
      notes: [...images.notes, ...listing.notes],
    };
  } finally {
    if (anchor && !(anchor instanceof Error)) await anchor.handle.close();
  }
}

/** What one pass over the log's snapshot finds, and what the checks after it need. */
interface SnapshotRead {
  head: JournalHead;
  captures: number;
  /** The journal's and the tables' findings. */
  findings: Finding[];
  hashes: EntryHashes;
  images: ImageCheck;
  unreferenced: UnreferencedFiles;
}

/** Reads the journal, then the tables a row at a time, inside one read transaction (log.readSnapshot). */
async function checkSnapshot(log: SessionLog, key: Buffer | undefined, files: SessionFiles): Promise<SnapshotRead> {
  const chain = new ChainCheck(key);
  const replay = new JournalReplay();
  for (const entry of log.journal()) {
    chain.add(entry);
    replay.add(entry);
  }
  const findings = [...chain.findings(), ...replay.problems.map((message) => ({ message }))];
  findings.push(...compareRows('session', log.sessions(), replay.sessions, SESSION_FIELDS));
  const captures = new CaptureComparison(log, replay);
  const images = new ImageCheck(log.dataDir);
  const unreferenced = new UnreferencedFiles(files);
  let count = 0;
  for (const capture of log.iterateCaptures()) {
    count++;
    captures.compare(capture);
    unreferenced.see(capture);
    await images.check(capture);
  }
  await images.finish();
  findings.push(...captures.findings(), ...compareRows('lesion', log.lesions(), replay.lesions, LESION_FIELDS));
  return { head: chain.head(), captures: count, findings, hashes: chain.hashes, images, unreferenced };
}

/** The rows of a table of whole replayed rows (sessions, lesions) against them; the rows left in `expected` were deleted. */
function compareRows<Field extends string>(
  what: string,
  rows: Iterable<Record<Field, unknown> & { id: string }>,
  expected: Map<string, Record<Field, unknown>>,
  fields: readonly Field[],
): Finding[] {
  const findings: Finding[] = [];
  for (const row of rows) {
    const wanted = expected.get(row.id);
    if (!wanted) findings.push(inserted(what, row.id));
    else findings.push(...edited(what, row.id, fields.filter((field) => row[field] !== wanted[field])));
    expected.delete(row.id);
  }
  for (const id of expected.keys()) findings.push(deleted(what, id));
  return findings;
}

/**
 * The captures table against the replayed captures, a row at a time: each row is compared with
 * the row its own journal entry (read again by its number) and the entries after it make.
 */
class CaptureComparison {
  private readonly found: Finding[] = [];

  constructor(
    private readonly log: SessionLog,
    private readonly replay: JournalReplay,
  ) {}

  compare(row: Capture): void {
    const seq = this.replay.captures.get(row.id);
    if (seq === undefined) this.found.push(inserted('capture', row.id));
    else {
      const wanted = this.replay.replayedRow(this.log.journalEntry(seq)!); // the snapshot still holds the entry the replay read
      this.found.push(...edited('capture', row.id, CAPTURE_FIELDS.filter((field) => row[field] !== wanted[field])));
    }
    this.replay.captures.delete(row.id);
  }

  /** Once every row was compared. */
  findings(): Finding[] {
    return [...this.found, ...[...this.replay.captures.keys()].map((id) => deleted('capture', id))];
  }
}

const inserted = (what: string, id: string): Finding => ({ message: `${what} ${id} is in the table but not in the journal: it was inserted behind its back` });
const deleted = (what: string, id: string): Finding => ({ message: `${what} ${id} is in the journal but its row was deleted` });
const edited = (what: string, id: string, changed: string[]): Finding[] =>
  changed.length > 0 ? [{ message: `${what} ${id} differs from its journal entries in ${changed.join(', ')}: it was edited` }] : [];

interface DataFolderListing {
  files: SessionFiles;
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
  const listing: DataFolderListing = { files: new SessionFiles(), findings: [], notes: [] };
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
      listing.files.add(entry.name, await readdir(path.join(log.dataDir, entry.name)));
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
async function findUnreferenced(log: SessionLog, inSnapshot: UnreferencedFiles, settleMs: number): Promise<Finding[]> {
  let candidates = await inSnapshot.left(log.dataDir);
  if (candidates.length > 0) {
    await sleep(settleMs);
    const present = await Promise.all(candidates.map((file) => exists(path.join(log.dataDir, file))));
    const now = new UnreferencedFiles(SessionFiles.of(candidates.filter((_, i) => present[i])));
    for (const capture of log.iterateCaptures()) now.see(capture);
    candidates = await now.left(log.dataDir);
  }
  return candidates.map((file) => ({ message: `${file} is in a session folder but no capture refers to it`, unreferenced: file }));
}

/**
 * Of the files listed, those that neither a live capture's image is, nor a committed capture's
 * image still in its temp file, as the captures are seen one at a time.
 */
class UnreferencedFiles {
  /** The image each listed temp file stands in for, and the sha256 of the live capture whose image it is, once seen. */
  private readonly awaited = new Map<string, string | undefined>();

  /** Takes `files` over: each file a capture refers to is taken out of it. */
  constructor(private readonly files: SessionFiles) {
    for (const file of this.files) if (tempFileWriter(file) !== undefined) this.awaited.set(imageOfTemp(file), undefined);
  }

  see(capture: Capture): void {
    if (capture.withdrawn_at !== null) return;
    const image = String(capture.image_path);
    this.files.delete(image);
    if (this.awaited.has(image)) this.awaited.set(image, capture.image_sha256);
  }

  /** The files no capture seen refers to. */
  async left(dataDir: string): Promise<string[]> {
    const left: string[] = [];
    for (const file of this.files) if (!(await this.holdsAwaitedImage(dataDir, file))) left.push(file);
    return left;
  }

  /** A temp file that holds the image of a live capture whose image is not in place. */
  private async holdsAwaitedImage(dataDir: string, file: string): Promise<boolean> {
    if (tempFileWriter(file) === undefined) return false;
    const image = imageOfTemp(file);
    const sha256 = this.awaited.get(image);
    return sha256 !== undefined && !(await exists(path.join(dataDir, image))) && (await holdsBytes(path.join(dataDir, file), sha256));
  }
}

/** Files of session folders, relative to the data folder, held as each folder's names: a third of the memory of whole paths. */
class SessionFiles {
  private readonly folders = new Map<string, Set<string>>();

  static of(files: string[]): SessionFiles {
    const grouped = new SessionFiles();
    for (const file of files) {
      const names = grouped.folders.get(path.dirname(file));
      if (names) names.add(path.basename(file));
      else grouped.add(path.dirname(file), [path.basename(file)]);
    }
    return grouped;
  }

  add(folder: string, names: string[]): void {
    this.folders.set(folder, new Set(names));
  }

  delete(file: string): void {
    const slash = file.lastIndexOf('/');
    if (slash >= 0) this.folders.get(file.slice(0, slash))?.delete(file.slice(slash + 1));
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const [folder, names] of this.folders) for (const name of names) yield path.join(folder, name);
  }
}

const imageOfTemp = (file: string) => path.join(path.dirname(file), tempFileTarget(path.basename(file)));

