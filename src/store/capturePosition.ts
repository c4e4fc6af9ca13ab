import type Database from 'better-sqlite3';
import type { Capture } from './records.js';

/** Where a capture sorts in its session's study: its series (one per camera) and its place in that series, both from 1. */
export interface CapturePosition {
  series: number;
  instance: number;
}

/**
 * Series in the order their camera was first logged in the session, and captures in the order they were
 * logged. Only earlier captures count, withdrawn ones included, so a capture's numbers never change as the
 * session goes on or a retake is withdrawn.
 */
export function capturePosition(db: Database.Database, capture: Capture): CapturePosition {
  return db
    .prepare(
      `WITH this AS (SELECT rowid AS at FROM captures WHERE id = @id),
            cameras AS (SELECT camera, min(rowid) AS first FROM captures WHERE session_id = @session GROUP BY camera)
       SELECT (SELECT count(*) FROM cameras WHERE first <= (SELECT first FROM cameras WHERE camera IS @camera)) AS series,
              (SELECT count(*) FROM captures WHERE session_id = @session AND camera IS @camera AND rowid <= (SELECT at FROM this)) AS instance`,
    )
    .get({ id: capture.id, session: capture.session_id, camera: capture.camera }) as CapturePosition;
}
