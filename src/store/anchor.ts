import { appendFile, lstat } from 'node:fs/promises';
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
  await appendFile(path.join(dataDir, ANCHOR_FILE), '', { mode: 0o600 });
}

/** Written after the commit: a crash in between leaves the anchor behind the journal, which is never a finding. */
export async function appendAnchor(dataDir: string, head: JournalHead): Promise<void> {
  await appendFile(path.join(dataDir, ANCHOR_FILE), `${head.seq} ${head.hash}\n`, { mode: 0o600 });
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
    const match = /^(\d+) ([0-9a-f]{64})$/.exec(line);
    if (match) heads.push({ seq: Number(match[1]), hash: match[2]! });
    else badLines++;
  }
  return { heads, badLines };
}
