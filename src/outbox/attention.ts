import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DATABASE_FILE, SessionLog } from '../store/sessionLog.js';
import { readDestinations } from './config.js';

/** A line of `doctor`'s report. */
interface AttentionCheck {
  name: string;
  status: 'note';
  detail: string;
}

/**
 * `doctor`'s line for each destination that refused captures for good: they wait for a person, and nothing
 * sends them again until `dermacam outbox --retry`. None where nothing waits, or where there is no readable
 * configuration or log (their own checks say why).
 */
export async function outboxAttention(dataDir: string, configFile: string): Promise<AttentionCheck[]> {
  const database = path.join(dataDir, DATABASE_FILE);
  // only a regular file: SQLite's open of a FIFO would hang
  if (!(await stat(database).then((info) => info.isFile(), () => false))) return [];
  let log: SessionLog;
  let names: string[];
  try {
    names = (await readDestinations(configFile)).map((destination) => destination.name);
    if (names.length === 0) return [];
    log = await SessionLog.openForReading(dataDir);
  } catch {
    return [];
  }
  try {
    return names.flatMap((name) => {
      const { needsAttention, lastRefusal } = log.deliveryStatus(name);
      if (needsAttention === 0) return [];
      const which = needsAttention === 1 ? '1 capture refused for good needs' : `${needsAttention} captures refused for good need`;
      return [{ name: 'outbox', status: 'note' as const, detail: `${name}: ${which} attention (latest: ${lastRefusal?.replace(/\.$/, '')}); dermacam outbox --retry sends them again` }];
    });
  } finally {
    await log.close();
  }
}
