import { existsSync } from 'node:fs';
import path from 'node:path';
import { readLogKey } from '../store/logKey.js';
import { DATABASE_FILE, SessionLog } from '../store/sessionLog.js';
import { escapeControlCharacters } from '../text.js';
import { writeLine, type CommandIO } from './io.js';

/** Opens the session log of a data folder, read-only unless `writable`, or says there is none (without creating one). */
export async function openExistingLog(dataDir: string, io: CommandIO, { writable = false } = {}): Promise<SessionLog | undefined> {
  if (!existsSync(path.join(dataDir, DATABASE_FILE))) {
    writeLine(io.stderr, `No session log in ${escapeControlCharacters(dataDir)} yet: captures made in the app are logged there.`);
    return undefined;
  }
  const options = { key: await readLogKey(process.env, dataDir) };
  return writable ? SessionLog.open(dataDir, options) : SessionLog.openForReading(dataDir, options);
}
