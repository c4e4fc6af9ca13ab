import type { JournalEntry } from './journal.js';
import { CAPTURE_FIELDS, type Capture, type Lesion, type Session } from './records.js';

type SessionFields = Omit<Session, 'captures'>;

/** What the sessions and captures tables must hold, as the journal says. */
export interface ReplayedLog {
  sessions: Map<string, SessionFields>;
  captures: Map<string, Capture>;
  lesions: Map<string, Lesion>;
  /** Entries that make no sense in order (a capture of an unknown session, a session twice...). */
  problems: string[];
}

/** Adds up the journal's entries, in order, into the rows they made. */
export function replayJournal(entries: readonly JournalEntry[]): ReplayedLog {
  const sessions = new Map<string, SessionFields>();
  const captures = new Map<string, Capture>();
  const lesions = new Map<string, Lesion>();
  const problems: string[] = [];
  for (const entry of entries) {
    const problem = (what: string) => problems.push(`journal entry ${entry.seq} (${entry.kind} ${entry.subject}) ${what}`);
    const body = parseBody(entry.body);
    if (!body) problem('has a body that is not a JSON object: it was edited');
    else if (entry.kind === 'session') {
      if (sessions.has(entry.subject)) problem('starts a session that already exists');
      else sessions.set(entry.subject, { id: entry.subject, ...(body as Omit<SessionFields, 'id'>) });
    } else if (entry.kind === 'capture') {
      if (captures.has(entry.subject)) problem('logs a capture that already exists');
      else if (!sessions.has(body.session_id as string)) problem('logs a capture of a session that was never started');
      // fields added to captures later are null in the entries written before them
      else captures.set(entry.subject, { ...(Object.fromEntries(CAPTURE_FIELDS.map((field) => [field, body[field] ?? null])) as unknown as Capture), id: entry.subject });
    } else if (entry.kind === 'lesion') {
      if (lesions.has(entry.subject)) problem('adds a lesion that already exists');
      else lesions.set(entry.subject, { id: entry.subject, ...(body as Omit<Lesion, 'id'>) });
    } else if (entry.kind === 'lesion-link') {
      const capture = captures.get(entry.subject);
      if (!capture) problem('is about a capture that was never logged');
      else if (!lesions.has(body.lesion_id as string)) problem('attaches a capture to a lesion that was never added');
      else capture.lesion_id = body.lesion_id as string;
    } else if (entry.kind === 'annotation' || entry.kind === 'withdrawal') {
      const capture = captures.get(entry.subject);
      if (!capture) problem('is about a capture that was never logged');
      else if (entry.kind === 'annotation') Object.assign(capture, pick(body, ['body_site', 'note']));
      else Object.assign(capture, { withdrawn_at: body.at, withdrawn_reason: body.reason });
    }
  }
  return { sessions, captures, lesions, problems };
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

function pick(body: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in body).map((key) => [key, body[key]]));
}
