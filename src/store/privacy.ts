import { chmod, stat } from 'node:fs/promises';
import { StoreError } from './storeErrors.js';

/**
 * Captures are health data: the data folder is 0700 and the database files 0600. Wider modes
 * on an existing folder (made by hand, or a checkout's 0755) are tightened, or refused when
 * this user may not change them.
 */
export async function makePrivate(dataDir: string, databaseFile: string): Promise<void> {
  await tighten(dataDir, 0o700);
  for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]) await tighten(file, 0o600);
}

async function tighten(file: string, mode: number): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info || (info.mode & 0o777 & ~mode) === 0) return;
  try {
    await chmod(file, mode);
  } catch {
    throw new StoreError(`${file} may be read by other users (mode ${(info.mode & 0o777).toString(8)}) and dermacam may not change that; run chmod ${mode.toString(8)} ${file}.`);
  }
}
