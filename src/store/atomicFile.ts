import { randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';

/** The file-system calls the store makes, so tests can inject failures (full disk, I/O errors). */
export type FileSystem = Pick<typeof fsPromises, 'open' | 'rename' | 'unlink' | 'mkdir' | 'readdir' | 'readFile'>;

export const TEMP_SUFFIX = '.partial';

/** `<target>.<writer pid>-<8 hex>.partial`: the pid tells whether the writer is still alive. */
const TEMP_NAME = /\.(\d+)-[0-9a-f]{8}\.partial$/;

/** The pid of the process that wrote a temp file of ours, or undefined for any other file. */
export function tempFileWriter(name: string): number | undefined {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Writes `data` to `file` so that the file is either absent or complete, even across a crash:
 * a temporary file is written and flushed, renamed over the target, and the folder flushed.
 */
export async function writeFileAtomic(fs: FileSystem, file: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  const folder = await fs.open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
