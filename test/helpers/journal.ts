import type { JournalEntry } from '../../src/store/journal.js';
import type { SessionLog } from '../../src/store/sessionLog.js';

/** Every journal entry of an open log, in the journal's order. */
export function journalOf(log: SessionLog): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (let entry = log.journalEntryAt(0); entry; entry = log.journalEntryAt(entries.length)) entries.push(entry);
  return entries;
}
