import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

type MakeFolder = (folder: string, options: { mode: number }) => Promise<unknown>;

/**
 * Makes a folder and any missing folders above it, private (0700), like `mkdir -p`. Node's own
 * recursive mkdir never returns for a path under /proc, where the kernel answers "no such file"
 * to a create, so the folders are made one at a time and the first failure is thrown.
 */
export async function makeFolders(folder: string, makeFolder: MakeFolder = mkdir): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    const found = await stat(at).catch(() => undefined);
    if (found?.isDirectory()) break;
    if (found) throw Object.assign(new Error(`${at} is a file`), { code: 'EEXIST', path: at });
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const step of missing) {
    await makeFolder(step, { mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
      // made meanwhile by another process: fine where it is a folder
      if (error.code !== 'EEXIST' || !(await stat(step)).isDirectory()) throw error;
    });
  }
}
