import type Database from 'better-sqlite3';
import type { Capture } from './records.js';

/**
 * The outbox: a capture waits for a destination until a row says it was sent there. Nothing is put
 * in a queue at capture time, so a capture logged by any process, or before a crash, is never missed;
 * withdrawn captures (retakes) are never sent.
 *
 * A capture's version is the newest annotation or lesion-link entry of the journal about it (none: the first
 * version). A destination holding an older version gets the current one, and then a rejection note for the
 * one it held; a destination holding a capture since withdrawn gets a rejection note for it. Rejection notes
 * wait in the `rejections` table, which records their tries like the outbox does.
 */

/** The journal entry that made a capture's current version: the newest annotation or lesion link of capture `c`. */
const CURRENT_VERSION = "(SELECT MAX(seq) FROM journal WHERE subject = c.id AND kind IN ('annotation', 'lesion-link'))";

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

/** A capture waiting for a destination, with how many tries at it failed so far, and its version (null: the first). */
export type WaitingCapture = Capture & { delivery_attempts: number; version_seq: number | null; version_hash: string | null };

/** An object a destination holds that is superseded or withdrawn, owed a rejection note; with its capture. */
export type OwedRejection = Capture & { rejected_uid: string; delivery_attempts: number };

/** The journal entry that made a capture's current version, or undefined for its first version. */
export function captureVersion(db: Database.Database, captureId: string): { seq: number; hash: string } | undefined {
  return db.prepare(`SELECT seq, hash FROM journal WHERE seq = ${CURRENT_VERSION.replace('c.id', '?')}`).get(captureId) as { seq: number; hash: string } | undefined;
}

/** Whether the destination's latest try, at a capture or a rejection note, failed and its retry time has not come. */
function resting(db: Database.Database, destination: string, times: { now: string; horizon: string }): boolean {
  const latest = db
    .prepare(
      `SELECT sent_at, next_try_at FROM (SELECT last_try_at, sent_at, next_try_at, 0 AS source, rowid AS row FROM outbox WHERE destination = @destination
       UNION ALL SELECT last_try_at, sent_at, next_try_at, 1, rowid FROM rejections WHERE destination = @destination AND last_try_at IS NOT NULL)
       ORDER BY last_try_at DESC, source DESC, row DESC LIMIT 1`,
    )
    .get({ destination }) as { sent_at: string | null; next_try_at: string | null } | undefined;
  return !!latest && latest.sent_at === null && latest.next_try_at !== null && latest.next_try_at > times.now && latest.next_try_at <= times.horizon;
}

const retryTimes = (now: Date) => ({ now: now.toISOString(), horizon: new Date(now.getTime() + MAX_RETRY_DELAY_MS).toISOString() });

/**
 * Captures not yet sent to `destination` and due for a try at `now` (all of them with `ignoreBackoff`):
 * none while the destination's latest try failed and its retry time has not come (it is down, most
 * likely), and otherwise in the order they were captured, however often each was tried, so that a PACS gets
 * them in that order after an outage too. Refused captures wait for a person (and step out of the order). A
 * retry time further ahead than the longest rest can only come from a clock that has since gone back, so it
 * counts as due.
 */
export function dueCaptures(db: Database.Database, destination: string, now: Date, limit: number, ignoreBackoff = false): WaitingCapture[] {
  const times = retryTimes(now);
  if (!ignoreBackoff && resting(db, destination, times)) return [];
  return db
    .prepare(
      `SELECT c.*, COALESCE(o.attempts, 0) AS delivery_attempts, v.seq AS version_seq, v.hash AS version_hash
       FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = @destination LEFT JOIN journal v ON v.seq = ${CURRENT_VERSION}
       WHERE c.withdrawn_at IS NULL
         AND ((o.sent_at IS NULL AND o.refused_at IS NULL) OR COALESCE(o.version_seq, 0) <> COALESCE(v.seq, 0))
         AND (@ignoreBackoff OR o.next_try_at IS NULL OR o.next_try_at <= @now OR o.next_try_at > @horizon)
       ORDER BY c.captured_at, c.rowid LIMIT @limit`,
    )
    .all({ destination, ...times, limit, ignoreBackoff: ignoreBackoff ? 1 : 0 }) as WaitingCapture[];
}

/**
 * Rejection notes `destination` is owed and due at `now`, in capture order: for each object it holds of a
 * withdrawn capture, and for each version it held before it stored the current one (a superseded version is
 * not retracted before its successor is stored, so that the PACS is never without the capture).
 */
export function owedRejections(db: Database.Database, destination: string, now: Date, limit: number, ignoreBackoff = false): OwedRejection[] {
  const times = retryTimes(now);
  if (!ignoreBackoff && resting(db, destination, times)) return [];
  return db
    .prepare(
      `SELECT * FROM (
         SELECT c.*, r.rejected_uid, r.attempts AS delivery_attempts, c.rowid AS capture_order FROM rejections r
           JOIN captures c ON c.id = r.capture_id LEFT JOIN outbox o ON o.capture_id = r.capture_id AND o.destination = r.destination
         WHERE r.destination = @destination AND r.sent_at IS NULL AND r.refused_at IS NULL
           AND (c.withdrawn_at IS NOT NULL OR (o.sent_at IS NOT NULL AND o.sop_instance_uid <> r.rejected_uid))
           AND (@ignoreBackoff OR r.next_try_at IS NULL OR r.next_try_at <= @now OR r.next_try_at > @horizon)
         UNION ALL
         SELECT c.*, o.sop_instance_uid AS rejected_uid, 0 AS delivery_attempts, c.rowid AS capture_order FROM outbox o JOIN captures c ON c.id = o.capture_id
         WHERE o.destination = @destination AND c.withdrawn_at IS NOT NULL AND o.sent_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.destination = o.destination AND r.rejected_uid = o.sop_instance_uid)
       ) ORDER BY captured_at, capture_order LIMIT @limit`,
    )
    .all({ destination, ...times, limit, ignoreBackoff: ignoreBackoff ? 1 : 0 }) as OwedRejection[];
}

/** When a failed capture is next tried: its stored time, or now where a clock that went back put that beyond the longest rest. */
export function nextTryFrom(nextTryAt: string, now: Date): Date {
  const stored = new Date(nextTryAt);
  return stored.getTime() - now.getTime() > MAX_RETRY_DELAY_MS ? now : stored;
}

/** The columns an attempt sets, for the outbox and the rejections alike. */
function attemptColumns(outcome: DeliveryOutcome, now: Date) {
  const at = now.toISOString();
  return {
    now: at,
    next: outcome.state === 'failed' ? outcome.nextTryAt.toISOString() : null,
    error: outcome.state === 'stored' ? null : outcome.error,
    sent: outcome.state === 'stored' ? at : null,
    warning: outcome.state === 'stored' ? (outcome.warning ?? null) : null,
    refused: outcome.state === 'refused' ? at : null,
  };
}

/**
 * Records one attempt at sending a capture's version (`versionSeq`, 0 for the first). Where the destination
 * held another version, that one is now owed a rejection note (sent once this one is stored).
 */
export function recordDelivery(
  db: Database.Database,
  capture: { id: string; sopInstanceUid: string; versionSeq: number },
  destination: string,
  outcome: DeliveryOutcome,
  now: Date,
): void {
  const held = db.prepare('SELECT sop_instance_uid FROM outbox WHERE capture_id = ? AND destination = ? AND sent_at IS NOT NULL').get(capture.id, destination) as
    | { sop_instance_uid: string }
    | undefined;
  if (held && held.sop_instance_uid !== capture.sopInstanceUid) {
    db.prepare('INSERT OR IGNORE INTO rejections (capture_id, destination, rejected_uid, attempts) VALUES (?, ?, ?, 0)').run(capture.id, destination, held.sop_instance_uid);
  }
  db.prepare(
    `INSERT INTO outbox (capture_id, destination, sop_instance_uid, version_seq, attempts, last_try_at, next_try_at, last_error, sent_at, warning, refused_at)
     VALUES (@id, @destination, @uid, @version, 1, @now, @next, @error, @sent, @warning, @refused)
     ON CONFLICT (capture_id, destination) DO UPDATE SET sop_instance_uid = @uid, version_seq = @version,
       attempts = attempts + 1, last_try_at = @now, next_try_at = @next, last_error = @error, sent_at = @sent, warning = @warning, refused_at = @refused`,
  ).run({ id: capture.id, destination, uid: capture.sopInstanceUid, version: capture.versionSeq, ...attemptColumns(outcome, now) });
}

/** Records one attempt at sending the rejection note of `rejectedUid`, an object of capture `captureId`. */
export function recordRejection(db: Database.Database, rejection: { captureId: string; rejectedUid: string }, destination: string, outcome: DeliveryOutcome, now: Date): void {
  db.prepare(
    `INSERT INTO rejections (capture_id, destination, rejected_uid, attempts, last_try_at, next_try_at, last_error, sent_at, warning, refused_at)
     VALUES (@id, @destination, @uid, 1, @now, @next, @error, @sent, @warning, @refused)
     ON CONFLICT (destination, rejected_uid) DO UPDATE SET
       attempts = attempts + 1, last_try_at = @now, next_try_at = @next, last_error = @error, sent_at = @sent, warning = @warning, refused_at = @refused`,
  ).run({ id: rejection.captureId, destination, uid: rejection.rejectedUid, ...attemptColumns(outcome, now) });
}

/** Puts the captures and rejection notes `destination` refused back in the queue, due at once; returns how many. */
export function requeueRefused(db: Database.Database, destination: string): number {
  return ['outbox', 'rejections']
    .map((table) => db.prepare(`UPDATE ${table} SET refused_at = NULL, next_try_at = NULL WHERE destination = ? AND refused_at IS NOT NULL AND sent_at IS NULL`).run(destination).changes)
    .reduce((sum, changes) => sum + changes, 0);
}

export function destinationStatus(db: Database.Database, destination: string): DestinationStatus {
  const counts = db
    .prepare(
      `SELECT COUNT(*) AS total, COALESCE(SUM(current AND sent_at IS NOT NULL), 0) AS sent, COALESCE(SUM(current AND refused_at IS NOT NULL), 0) AS needsAttention,
              COALESCE(SUM(current AND warning IS NOT NULL), 0) AS warned, COALESCE(SUM(last_error IS NOT NULL AND sent_at IS NULL AND refused_at IS NULL), 0) AS failing
       FROM (SELECT o.sent_at, o.refused_at, o.warning, o.last_error, COALESCE(o.version_seq, 0) = COALESCE(${CURRENT_VERSION}, 0) AS current
             FROM captures c LEFT JOIN outbox o ON o.capture_id = c.id AND o.destination = ? WHERE c.withdrawn_at IS NULL)`,
    )
    .get(destination) as { total: number; sent: number; failing: number; needsAttention: number; warned: number };
  const refusedRejections = (db.prepare('SELECT COUNT(*) AS n FROM rejections WHERE destination = ? AND refused_at IS NOT NULL AND sent_at IS NULL').get(destination) as { n: number }).n;
  const owed = owedRejections(db, destination, new Date(), Number.MAX_SAFE_INTEGER, true).length;
  const tries = `(SELECT last_try_at, next_try_at, last_error, sent_at, warning, refused_at, 0 AS source, rowid AS row FROM outbox WHERE destination = @destination
                  UNION ALL SELECT last_try_at, next_try_at, last_error, sent_at, warning, refused_at, 1, rowid FROM rejections WHERE destination = @destination AND last_try_at IS NOT NULL)`;
  const latest = (condition: string, column: string) =>
    (db.prepare(`SELECT ${column} AS value FROM ${tries} WHERE ${condition} ORDER BY last_try_at DESC, source DESC, row DESC LIMIT 1`).get({ destination }) as { value: string } | undefined)?.value;
  const lastFailure = db
    .prepare(`SELECT last_error, next_try_at FROM ${tries} WHERE sent_at IS NULL AND refused_at IS NULL AND last_error IS NOT NULL ORDER BY last_try_at DESC, source DESC, row DESC LIMIT 1`)
    .get({ destination }) as { last_error: string; next_try_at: string } | undefined;
  const { total, sent, needsAttention, warned, failing } = counts;
  return {
    sent,
    // rejection notes still owed count as waiting: the PACS does not hold the log's truth until they are stored
    waiting: total - sent - needsAttention + owed,
    failing,
    needsAttention: needsAttention + refusedRejections,
    warned,
    lastError: lastFailure?.last_error,
    nextTryAt: lastFailure?.next_try_at,
    lastRefusal: latest('refused_at IS NOT NULL', 'last_error'),
    lastWarning: latest('warning IS NOT NULL', 'warning'),
  };
}
