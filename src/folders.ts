import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from './durable.js';

/** The calls makeFolders makes, so that tests can inject failures or record their order. */
export type FolderFileSystem = Pick<typeof fsPromises, 'mkdir' | 'open' | 'stat'>;

/**
 * Makes a folder and any missing folders above it, private (0700), like `mkdir -p`. Node's own
 * recursive mkdir never returns for a path under /proc, where the kernel answers "no such file"
 * to a create, so the folders are made one at a time and the first failure is thrown. Each
 * folder it makes is then flushed into its parent (syncFolder), so that a power cut cannot take
 * the folder, and what is later written and flushed in it, away with the parent's unflushed name.
 */
export async function makeFolders(folder: string, fs: FolderFileSystem = fsPromises): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    const found = await fs.stat(at).catch(() => undefined);
    if (found?.isDirectory()) break;
    if (found) throw Object.assign(new Error(`${at} is a file`), { code: 'EEXIST', path: at });
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const step of missing) {
    await fs.mkdir(step, { mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
      // made meanwhile by another process: fine where it is a folder
      if (error.code !== 'EEXIST' || !(await fs.stat(step)).isDirectory()) throw error;
    });
  }
  for (const step of missing) await syncFolder(fs, path.dirname(step));
}
