import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { capturesCsv } from './csvExport.js';
import type { SessionLog } from './sessionLog.js';

/** Writes one session's CSV into the data folder under a new name; returns its path. */
export async function writeSessionCsv(log: SessionLog, sessionId: string, now: Date = new Date()): Promise<string> {
  const file = path.join(log.dataDir, `export-${sessionId}-${now.toISOString().slice(11, 19).replace(/:/g, '')}.csv`);
  await writeFile(file, capturesCsv(log.sessions(), log.captures(sessionId)), { flag: 'wx', mode: 0o600 });
  return file;
}
