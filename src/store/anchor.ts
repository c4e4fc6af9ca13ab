import * as fsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { syncFolder, type SyncFileSystem } from '../durable.js';
import { exists, openRegularFile } from '../regularFile.js';
import type { JournalHead } from './journal.js';

/**
 * The anchor is an append-only text file beside the database: one line `<seq> <hash>` for each
 * journal head written. Deleting the newest rows of the database cannot reach it, so a journal
 * that ends before a head the anchor saw, or differs from it, shows that rows were removed or
 * rewritten.
 */
export const ANCHOR_FILE = 'dermacam.anchor';

/** Creates an empty anchor when there is none, flushed with its name into the data folder. */
export async function createAnchor(dataDir: string, fs: SyncFileSystem = fsPromises): Promise<void> {
  await appendToAnchor(fs, dataDir, '');
  await syncFolder(fs, dataDir);
}

/**
 * Written after the commit, and flushed: a crash or a power cut in between leaves the anchor behind
 * the journal, which is never a finding. The commit itself is flushed first (synchronous=FULL), so
 * the anchor never survives a power cut that the head it names did not.
 */
export async function appendAnchor(dataDir: string, head: JournalHead, fs: SyncFileSystem = fsPromises): Promise<void> {
  await appendToAnchor(fs, dataDir, `${head.seq} ${head.hash}\n`);
}

/** Appends to the anchor and flushes it, private like the database: one made by hand, or by an older dermacam, with a wider mode is tightened. */
async function appendToAnchor(fs: SyncFileSystem, dataDir: string, text: string): Promise<void> {
  const handle = await fs.open(path.join(dataDir, ANCHOR_FILE), 'a', 0o600);
  try {
    if (((await handle.stat()).mode & 0o077) !== 0) await handle.chmod(0o600);
    if (text !== '') await handle.appendFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The anchor as it was when opened: it only grows, so its first `size` bytes stay what they were then. */
export interface OpenedAnchor {
  handle: FileHandle;
  size: number;
}

/**
 * Opens the anchor, to read later what it held now; undefined when there is no anchor file.
 * Refuses, in one sentence, one that is not a regular file.
 */
export async function openAnchor(dataDir: string): Promise<OpenedAnchor | undefined> {
  const file = path.join(dataDir, ANCHOR_FILE);
  if (!(await exists(file))) return undefined;
  return openRegularFile(file, { followLinks: false });
}

/** One line of the anchor: the head it records, or undefined for a line that is not `<seq> <hash>`. Empty lines are skipped. */
export async function* anchorHeads({ handle, size }: OpenedAnchor): AsyncGenerator<JournalHead | undefined> {
  for await (const line of linesOf(handle, size)) if (line !== '') yield parseAnchorLine(line);
}

/** No line of a head is longer; a longer one is kept only this long, which is enough to know it is not a head. */
const LONGEST_LINE = 128;

/**
 * The first `size` bytes of a file, line by line, a chunk at a time: an anchor grows by a line
 * per write for as long as the log lives. Decoded as latin1 (a head is ASCII: any other byte
 * spoils its line either way), and a line longer than any head is cut, so memory stays bounded.
 */
async function* linesOf(handle: FileHandle, size: number): AsyncGenerator<string> {
  const chunk = Buffer.alloc(64 * 1024);
  let line = '';
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const lines = chunk.toString('latin1', 0, bytesRead).split('\n');
    for (const piece of lines.slice(0, -1)) {
      yield (line + piece).slice(0, LONGEST_LINE);
      line = '';
    }
    line = (line + lines.at(-1)!).slice(0, LONGEST_LINE);
  }
  if (line !== '') yield line;
}

/** `<seq> <hash>`, where seq is a journal entry's number: from 1, and small enough to be exact. */
function parseAnchorLine(line: string): JournalHead | undefined {
  const match = /^([1-9]\d*) ([0-9a-f]{64})$/.exec(line);
  const seq = Number(match?.[1]);
  return match && Number.isSafeInteger(seq) ? { seq, hash: match[2]! } : undefined;
}
