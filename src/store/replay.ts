import type { JournalEntry } from './journal.js';
import { ANNOTATED_FIELDS, CAPTURE_FIELDS, type Capture, type CaptureRecord, type Lesion, type Session } from './records.js';

type SessionFields = Omit<Session, 'captures'>;

/** What an annotation, a withdrawal or a lesion link changed in a capture. */
type CaptureChanges = Partial<Omit<Capture, keyof CaptureRecord>>;

/**
 * Adds up the journal's entries, one at a time and in order, into what the sessions, captures
 * and lesions tables must hold. Sessions and lesions are kept whole (a log has few of them). A
 * capture is kept as the number of its own entry, which fixes its fields and is read again when
 * its row is compared (replayedRow), and what later entries changed, if any: so that a long log
 * fits in a small memory.
 */
export class JournalReplay {
  readonly sessions = new Map<string, SessionFields>();
  /** Each capture's id, and the number of the entry that logged it. */
  readonly captures = new Map<string, number>();
  readonly lesions = new Map<string, Lesion>();
  /** Entries that make no sense in order (a capture of an unknown session, a session twice...). */
  readonly problems: string[] = [];
  private readonly changes = new Map<string, CaptureChanges>();

  add(entry: JournalEntry): void {
    const problem = (what: string) => this.problems.push(`journal entry ${entry.seq} (${entry.kind} ${entry.subject}) ${what}`);
    const body = parseBody(entry.body);
    if (!body) problem('has a body that is not a JSON object: it was edited');
    else if (entry.kind === 'session') {
      if (this.sessions.has(entry.subject)) problem('starts a session that already exists');
      else this.sessions.set(entry.subject, { id: entry.subject, ...(body as Omit<SessionFields, 'id'>) });
    } else if (entry.kind === 'capture') {
      if (this.captures.has(entry.subject)) problem('logs a capture that already exists');
      else if (!this.sessions.has(body.session_id as string)) problem('logs a capture of a session that was never started');
      else this.captures.set(entry.subject, entry.seq);
    } else if (entry.kind === 'lesion') {
      if (this.lesions.has(entry.subject)) problem('adds a lesion that already exists');
      else this.lesions.set(entry.subject, { id: entry.subject, ...(body as Omit<Lesion, 'id'>) });
    } else if (entry.kind === 'lesion-link') {
      if (!this.captures.has(entry.subject)) problem('is about a capture that was never logged');
      else if (!this.lesions.has(body.lesion_id as string)) problem('attaches a capture to a lesion that was never added');
      else this.change(entry.subject, { lesion_id: body.lesion_id as string });
    } else if (entry.kind === 'annotation' || entry.kind === 'withdrawal') {
      if (!this.captures.has(entry.subject)) problem('is about a capture that was never logged');
      else if (entry.kind === 'annotation') this.change(entry.subject, pick(body, ANNOTATED_FIELDS));
      else this.change(entry.subject, { withdrawn_at: body.at as string, withdrawn_reason: body.reason as string });
    }
  }

  /** The whole row the journal made of a capture, given the entry that logged it. */
  replayedRow(entry: JournalEntry): Capture {
    const body = parseBody(entry.body) ?? {};
    // fields added to captures later are null in the entries written before them
    const fields = Object.fromEntries(CAPTURE_FIELDS.map((field) => [field, body[field] ?? null])) as unknown as Capture;
    return { ...fields, id: entry.subject, ...this.changes.get(entry.subject) };
  }

  private change(captureId: string, changes: CaptureChanges): void {
    this.changes.set(captureId, { ...this.changes.get(captureId), ...changes });
  }
}

/** An entry's body as the object every kind's fields are; undefined for anything else (not JSON, null, an array, a string...). */
function parseBody(body: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in body).map((key) => [key, body[key]]));
}
