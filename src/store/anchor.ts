import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile } from '../regularFile.js';
import type { JournalHead } from './journal.js';

/**
 * The anchor is an append-only text file beside the database: one line `<seq> <hash>` for each
 * journal head written. Deleting the newest rows of the database cannot reach it, so a journal
 * that ends before a head the anchor saw, or differs from it, shows that rows were removed or
 * rewritten.
 */
export const ANCHOR_FILE = 'dermacam.anchor';

/** Creates an empty anchor when there is none. */
export async function createAnchor(dataDir: string): Promise<void> {
  await appendToAnchor(dataDir, '');
}

/** Written after the commit: a crash in between leaves the anchor behind the journal, which is never a finding. */
export async function appendAnchor(dataDir: string, head: JournalHead): Promise<void> {
  await appendToAnchor(dataDir, `${head.seq} ${head.hash}\n`);
}

/** Appends to the anchor, private like the database: one made by hand, or by an older dermacam, with a wider mode is tightened. */
async function appendToAnchor(dataDir: string, text: string): Promise<void> {
  const handle = await open(path.join(dataDir, ANCHOR_FILE), 'a', 0o600);
  try {
    if (((await handle.stat()).mode & 0o077) !== 0) await handle.chmod(0o600);
    await handle.appendFile(text);
  } finally {
    await handle.close();
  }
}

/** The heads the anchor recorded; undefined when there is no anchor file. Lines that do not parse are returned as problems. */
export async function readAnchor(dataDir: string): Promise<{ heads: JournalHead[]; badLines: number } | undefined> {
  const file = path.join(dataDir, ANCHOR_FILE);
  if (!(await lstat(file).then(() => true, () => false))) return undefined;
  const text = (await readRegularFile(file, { maxBytes: 64 * 1024 * 1024, followLinks: false })).toString('utf8');
  const heads: JournalHead[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const head = parseAnchorLine(line);
    if (head) heads.push(head);
    else badLines++;
  }
  return { heads, badLines };
}

/** `<seq> <hash>`, where seq is a journal entry's number: from 1, and small enough to be exact. */
function parseAnchorLine(line: string): JournalHead | undefined {
  const match = /^([1-9]\d*) ([0-9a-f]{64})$/.exec(line);
  const seq = Number(match?.[1]);
  return match && Number.isSafeInteger(seq) ? { seq, hash: match[2]! } : undefined;
}

/** The newest entry the heads vouch for, 0 for none (a loop: an anchor may hold more heads than a call takes arguments). */
export function newestAnchored(heads: readonly JournalHead[]): number {
  let newest = 0;
  for (const head of heads) if (head.seq > newest) newest = head.seq;
  return newest;
}
