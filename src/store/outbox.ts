import type Database from 'better-sqlite3';
import type { Capture } from './records.js';

/**
 * The outbox: a capture waits for a destination until a row says it was sent there. Nothing is put
 * in a queue at capture time, so a capture logged by any process, or before a crash, is never missed;
 * withdrawn captures (retakes) are never sent.
 */

/** How one attempt at sending a capture to a destination ended. */
export type DeliveryOutcome = { sent: true } | { sent: false; error: string; nextTryAt: Date };

export interface DestinationStatus {
  sent: number;
  waiting: number;
  /** Of the waiting, those that failed at least once, with the latest failure. */
  failing: number;
  lastError?: string;
  nextTryAt?: string;
}

/** A capture waiting for a destination, with how many tries at it failed so far. */
export type WaitingCapture = Capture & { delivery_attempts: number };

/**
 * Captures not yet sent to `destination` and due for a try at `now` (all of them with `ignoreBackoff`):
 * none while the destination's latest try failed and its retry time has not come (it is down, most
 * likely), and those tried least first, so that one picture a PACS keeps refusing does not hold up the others.
 */
export function dueCaptures(db: Database.Database, destination: string, now: Date, limit: number, ignoreBackoff = false): WaitingCapture[] {
  const latest = db.prepare('SELECT sent_at, next_try_at FROM outbox WHERE destination = ? ORDER BY last_try_at DESC LIMIT 1').get(destination) as
    | { sent_at: string | null; next_try_at: string | null }
    | undefined;
  if (!ignoreBackoff && latest && latest.sent_at === null && latest.next_try_at !== null && latest.next_try_at > now.toISOString()) return [];
  return db
    .prepare(
      `SELECT c.*, COALESCE(o.attempts, 0) AS delivery_attempts FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = @destination
       WHERE c.withdrawn_at IS NULL AND o.sent_at IS NULL AND (@ignoreBackoff OR o.next_try_at IS NULL OR o.next_try_at <= @now)
       ORDER BY COALESCE(o.attempts, 0), c.captured_at, c.id LIMIT @limit`,
    )
    .all({ destination, now: now.toISOString(), limit, ignoreBackoff: ignoreBackoff ? 1 : 0 }) as WaitingCapture[];
}

export function recordDelivery(db: Database.Database, capture: { id: string; sopInstanceUid: string }, destination: string, outcome: DeliveryOutcome, now: Date): void {
  db.prepare(
    `INSERT INTO outbox (capture_id, destination, sop_instance_uid, attempts, last_try_at, next_try_at, last_error, sent_at)
     VALUES (@id, @destination, @uid, 1, @now, @next, @error, @sent)
     ON CONFLICT (capture_id, destination) DO UPDATE SET attempts = attempts + 1, last_try_at = @now, next_try_at = @next, last_error = @error, sent_at = @sent`,
  ).run({
    id: capture.id,
    destination,
    uid: capture.sopInstanceUid,
    now: now.toISOString(),
    next: outcome.sent ? null : outcome.nextTryAt.toISOString(),
    error: outcome.sent ? null : outcome.error,
    sent: outcome.sent ? now.toISOString() : null,
  });
}

export function destinationStatus(db: Database.Database, destination: string): DestinationStatus {
  const counts = db
    .prepare(
      `SELECT COUNT(o.sent_at) AS sent, COUNT(*) - COUNT(o.sent_at) AS waiting, COUNT(o.last_error) AS failing
       FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = ? WHERE c.withdrawn_at IS NULL`,
    )
    .get(destination) as { sent: number; waiting: number; failing: number };
  const latest = db
    .prepare('SELECT last_error, next_try_at FROM outbox WHERE destination = ? AND sent_at IS NULL AND last_error IS NOT NULL ORDER BY last_try_at DESC LIMIT 1')
    .get(destination) as { last_error: string; next_try_at: string } | undefined;
  return { ...counts, lastError: latest?.last_error, nextTryAt: latest?.next_try_at };
}
