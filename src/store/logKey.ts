import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile } from '../regularFile.js';
import { StoreError } from './storeErrors.js';

/** The environment variable that names the log key file. */
export const LOG_KEY_VARIABLE = 'DERMACAM_LOG_KEY';

/**
 * The optional key of the log's MACs (docs/RELIABILITY.md has the threat model): a file of at
 * least 32 random bytes, private to its owner, and outside the data folder, so that someone
 * who can rewrite the data folder cannot recompute the journal.
 */
export async function readLogKey(env: NodeJS.ProcessEnv, dataDir: string): Promise<Buffer | undefined> {
  const file = env[LOG_KEY_VARIABLE];
  if (!file) return undefined;
  let key: Buffer;
  try {
    key = await readRegularFile(file, { maxBytes: 4096 });
  } catch (error) {
    throw new StoreError(`The log key ${file} (${LOG_KEY_VARIABLE}) cannot be read: ${(error as Error).message}`);
  }
  if (key.length < 32) throw new StoreError(`The log key ${file} holds ${key.length} bytes; it needs at least 32 random bytes (head -c 32 /dev/urandom).`);
  if (((await stat(file)).mode & 0o077) !== 0) throw new StoreError(`The log key ${file} is readable by other users; make it private with chmod 600.`);
  const [keyReal, dataReal] = await Promise.all([realpath(file), realpath(dataDir).catch(() => path.resolve(dataDir))]);
  if (isInside(dataReal, keyReal)) {
    throw new StoreError(`The log key ${file} lies inside the data folder, where it protects nothing; keep it elsewhere.`);
  }
  return key;
}

/** Whether `file` lies in `folder` or below it; both are real paths. A name like `..key` inside it is inside. */
function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
