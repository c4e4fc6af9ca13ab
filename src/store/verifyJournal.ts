import { anchorHeads, type OpenedAnchor } from './anchor.js';
import { entryHash, entryMac, GENESIS_HASH, type JournalEntry, type JournalHead } from './journal.js';
import type { Finding } from './verify.js';

/** Checks each entry's link to the one before it, its hash, and with the key its MAC, an entry at a time. */
export class ChainCheck {
  readonly hashes = new EntryHashes();
  private readonly found: Finding[] = [];
  private previous = GENESIS_HASH;
  /** Set at the first link or hash that does not match: what follows is not checked. */
  private broken = false;
  /** The first entry with a valid MAC. */
  private keyedFrom: number | undefined;
  private last: JournalEntry | undefined;

  constructor(private readonly key: Buffer | undefined) {}

  add(entry: JournalEntry): void {
    this.hashes.push(entry.hash);
    this.last = entry;
    if (!this.broken) this.check(entry);
  }

  private check(entry: JournalEntry): void {
    if (entry.seq !== this.hashes.length || entry.prev_hash !== this.previous) {
      this.found.push({ message: `journal entry ${entry.seq}: the link to the entry before it does not match: entries were removed, added or reordered` });
      this.broken = true;
      return;
    }
    if (entry.hash !== entryHash(this.previous, entry.seq, entry.kind, entry.subject, entry.body)) {
      this.found.push({ message: `journal entry ${entry.seq} (${entry.kind} ${entry.subject}) was changed after it was written` });
      this.broken = true;
      return;
    }
    this.previous = entry.hash;
    if (!this.key) return;
    const valid = entry.mac === entryMac(this.key, entry.hash);
    if (entry.mac !== null && !valid) this.found.push({ message: `journal entry ${entry.seq} has a MAC that the log key does not make: it was rewritten` });
    if (valid) this.keyedFrom ??= entry.seq;
    else if (entry.mac === null && this.keyedFrom !== undefined) this.found.push({ message: `journal entry ${entry.seq} has no MAC although earlier entries do: it was added without the key` });
  }

  /** Once every entry was added. */
  findings(): Finding[] {
    const last = this.last;
    if (this.key && last && last.mac !== entryMac(this.key, last.hash) && this.found.length === 0) {
      return [{ message: `the newest journal entry ${last.seq} has no valid MAC: the journal was rewritten or cut back without the key (or the key came after it)` }];
    }
    return this.found;
  }

  head(): JournalHead {
    return this.last ? { seq: this.last.seq, hash: this.last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
}

/** The hashes of the journal's entries in order, 32 bytes each: what the anchor's heads are checked against once the entries are gone. */
export class EntryHashes {
  private bytes = Buffer.alloc(32 * 1024);
  /** Positions whose hash is not 64 lowercase hex digits, which no head of the anchor can match. */
  private readonly malformed = new Set<number>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(hash: string): void {
    if (this.bytes.length < 32 * (this.count + 1)) this.bytes = Buffer.concat([this.bytes, Buffer.alloc(this.bytes.length)]);
    if (typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) this.bytes.write(hash, 32 * this.count, 'hex');
    else this.malformed.add(this.count);
    this.count++;
  }

  /** Whether the entry at `position` (from 0) has this hash. */
  has(position: number, hash: string): boolean {
    return !this.malformed.has(position) && this.bytes.toString('hex', 32 * position, 32 * (position + 1)) === hash;
  }
}

/** The anchor's heads against the journal's entries, a line at a time; `anchored` is the newest entry it vouches for. */
export async function checkAnchor(anchor: OpenedAnchor | undefined | Error, hashes: EntryHashes): Promise<{ findings: Finding[]; anchored: number }> {
  const unreadable = (error: Error) => ({ findings: [{ message: `the anchor file cannot be read: ${error.message}` }], anchored: 0 });
  if (anchor instanceof Error) return unreadable(anchor);
  if (!anchor) return { findings: hashes.length > 0 ? [{ message: 'the anchor file dermacam.anchor is missing: nothing vouches that the newest entries are all there' }] : [], anchored: 0 };
  let badLines = 0;
  let newest = 0;
  let rewritten: JournalHead | undefined;
  try {
    for await (const head of anchorHeads(anchor)) {
      if (!head) badLines++;
      else {
        newest = Math.max(newest, head.seq);
        if (!rewritten && head.seq <= hashes.length && !hashes.has(head.seq - 1, head.hash)) rewritten = head;
      }
    }
  } catch (error) {
    return unreadable(error as Error);
  }
  const findings: Finding[] = [];
  if (badLines > 0) findings.push({ message: `the anchor file has ${badLines} line(s) that are not "<entry> <hash>": it was edited` });
  if (newest > hashes.length) findings.push({ message: `the journal ends at entry ${hashes.length}, but the anchor saw entry ${newest}: the newest entries were removed` });
  if (rewritten) findings.push({ message: `journal entry ${rewritten.seq} is not the one the anchor saw: the journal was rewritten` });
  return { findings, anchored: newest };
}
