import type Database from 'better-sqlite3';
import type { Capture } from './records.js';

/**
 * The outbox: a capture waits for a destination until a row says it was sent there. Nothing is put
 * in a queue at capture time, so a capture logged by any process, or before a crash, is never missed;
 * withdrawn captures (retakes) are never sent.
 */

/** The longest a destination rests after failures; no stored retry time lies further ahead than this. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

/**
 * How one attempt at sending a capture to a destination ended: stored (perhaps with a warning that is
 * kept), failed for now (tried again at `nextTryAt`), or refused for good (left for a person: it
 * "needs attention" until `outbox --retry` puts it back in the queue).
 */
export type DeliveryOutcome = { state: 'stored'; warning?: string } | { state: 'failed'; error: string; nextTryAt: Date } | { state: 'refused'; error: string };

export interface DestinationStatus {
  sent: number;
  /** Not sent and not refused: the outbox tries these again by itself. */
  waiting: number;
  /** Of the waiting, those that failed at least once, with the latest failure. */
  failing: number;
  lastError?: string;
  nextTryAt?: string;
  /** Refused by the destination for good: nothing is tried again until `outbox --retry`. */
  needsAttention: number;
  lastRefusal?: string;
  /** Of the sent, those the destination stored with a warning, with the latest warning. */
  warned: number;
  lastWarning?: string;
}

/** A capture waiting for a destination, with how many tries at it failed so far. */
export type WaitingCapture = Capture & { delivery_attempts: number };

/**
 * Captures not yet sent to `destination` and due for a try at `now` (all of them with `ignoreBackoff`):
 * none while the destination's latest try failed and its retry time has not come (it is down, most
 * likely), and otherwise in the order they were captured, however often each was tried, so that a PACS gets
 * them in that order after an outage too. Refused captures wait for a person (and step out of the order). A
 * retry time further ahead than the longest rest can only come from a clock that has since gone back, so it
 * counts as due.
 */
export function dueCaptures(db: Database.Database, destination: string, now: Date, limit: number, ignoreBackoff = false): WaitingCapture[] {
  const times = { now: now.toISOString(), horizon: new Date(now.getTime() + MAX_RETRY_DELAY_MS).toISOString() };
  const latest = db.prepare('SELECT sent_at, next_try_at FROM outbox WHERE destination = ? ORDER BY last_try_at DESC, rowid DESC LIMIT 1').get(destination) as
    | { sent_at: string | null; next_try_at: string | null }
    | undefined;
  const resting = latest && latest.sent_at === null && latest.next_try_at !== null && latest.next_try_at > times.now && latest.next_try_at <= times.horizon;
  if (!ignoreBackoff && resting) return [];
  return db
    .prepare(
      `SELECT c.*, COALESCE(o.attempts, 0) AS delivery_attempts FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = @destination
       WHERE c.withdrawn_at IS NULL AND o.sent_at IS NULL AND o.refused_at IS NULL
         AND (@ignoreBackoff OR o.next_try_at IS NULL OR o.next_try_at <= @now OR o.next_try_at > @horizon)
       ORDER BY c.captured_at, c.rowid LIMIT @limit`,
    )
    .all({ destination, ...times, limit, ignoreBackoff: ignoreBackoff ? 1 : 0 }) as WaitingCapture[];
}

/** When a failed capture is next tried: its stored time, or now where a clock that went back put that beyond the longest rest. */
export function nextTryFrom(nextTryAt: string, now: Date): Date {
  const stored = new Date(nextTryAt);
  return stored.getTime() - now.getTime() > MAX_RETRY_DELAY_MS ? now : stored;
}

export function recordDelivery(db: Database.Database, capture: { id: string; sopInstanceUid: string }, destination: string, outcome: DeliveryOutcome, now: Date): void {
  const at = now.toISOString();
  db.prepare(
    `INSERT INTO outbox (capture_id, destination, sop_instance_uid, attempts, last_try_at, next_try_at, last_error, sent_at, warning, refused_at)
     VALUES (@id, @destination, @uid, 1, @now, @next, @error, @sent, @warning, @refused)
     ON CONFLICT (capture_id, destination) DO UPDATE SET
       attempts = attempts + 1, last_try_at = @now, next_try_at = @next, last_error = @error, sent_at = @sent, warning = @warning, refused_at = @refused`,
  ).run({
    id: capture.id,
    destination,
    uid: capture.sopInstanceUid,
    now: at,
    next: outcome.state === 'failed' ? outcome.nextTryAt.toISOString() : null,
    error: outcome.state === 'stored' ? null : outcome.error,
    sent: outcome.state === 'stored' ? at : null,
    warning: outcome.state === 'stored' ? (outcome.warning ?? null) : null,
    refused: outcome.state === 'refused' ? at : null,
  });
}

/** Puts the captures `destination` refused back in the queue, due at once; returns how many. */
export function requeueRefused(db: Database.Database, destination: string): number {
  return db.prepare('UPDATE outbox SET refused_at = NULL, next_try_at = NULL WHERE destination = ? AND refused_at IS NOT NULL AND sent_at IS NULL').run(destination).changes;
}

export function destinationStatus(db: Database.Database, destination: string): DestinationStatus {
  const counts = db
    .prepare(
      `SELECT COUNT(o.sent_at) AS sent, COUNT(o.refused_at) AS needsAttention, COUNT(o.warning) AS warned,
              COUNT(*) - COUNT(o.sent_at) - COUNT(o.refused_at) AS waiting, COUNT(o.last_error) - COUNT(o.refused_at) AS failing
       FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = ? WHERE c.withdrawn_at IS NULL`,
    )
    .get(destination) as { sent: number; waiting: number; failing: number; needsAttention: number; warned: number };
  const latest = (condition: string, column: string) =>
    (db.prepare(`SELECT ${column} AS value FROM outbox WHERE destination = ? AND ${condition} ORDER BY last_try_at DESC, rowid DESC LIMIT 1`).get(destination) as { value: string } | undefined)?.value;
  const lastFailure = db
    .prepare('SELECT last_error, next_try_at FROM outbox WHERE destination = ? AND sent_at IS NULL AND refused_at IS NULL AND last_error IS NOT NULL ORDER BY last_try_at DESC, rowid DESC LIMIT 1')
    .get(destination) as { last_error: string; next_try_at: string } | undefined;
  return {
    ...counts,
    lastError: lastFailure?.last_error,
    nextTryAt: lastFailure?.next_try_at,
    lastRefusal: latest('refused_at IS NOT NULL', 'last_error'),
    lastWarning: latest('warning IS NOT NULL', 'warning'),
  };
}
