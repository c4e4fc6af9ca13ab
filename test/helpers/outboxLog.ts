import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SessionLog } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from './captureResult.js';
import { FIXTURES } from './paths.js';

const jpeg = readFileSync(path.join(FIXTURES, 'ISIC_0024358.jpg'));

/** A log at a clock the test moves (or sets: a clock that jumps), with `count` captures. */
export async function outboxLogWith(count: number) {
  let now = new Date('2026-11-27T10:00:00Z');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-queue-'));
  const log = await SessionLog.open(dataDir, { now: () => now });
  const session = await log.startSession('op', 'PT-1');
  const captures = [];
  for (let i = 0; i < count; i++) captures.push(await log.addCapture(session.id, jpeg, SAMPLE_RESULT));
  const clock = { now: () => now, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  return { log, dataDir, captures, clock };
}
