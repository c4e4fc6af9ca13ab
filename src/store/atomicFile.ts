import { randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from '../durable.js';
import { sha256OfRegularFile } from '../regularFile.js';

/** The file-system calls the store makes, so tests can inject failures (full disk, I/O errors). */
export type FileSystem = Pick<typeof fsPromises, 'open' | 'rename' | 'link' | 'unlink' | 'mkdir' | 'readdir' | 'lstat' | 'stat'>;

export const TEMP_SUFFIX = '.partial';

/** `<target>.<writer pid>-<8 hex>.partial`: the pid tells whether the writer is still alive. */
const TEMP_NAME = /\.(\d+)-[0-9a-f]{8}\.partial$/;

/** The pid of the process that wrote a temp file of ours, or undefined for any other file. */
export function tempFileWriter(name: string): number | undefined {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The file a temp file of ours stands in for: its name without the writer's suffix. */
export function tempFileTarget(name: string): string {
  return name.replace(TEMP_NAME, '');
}

/** Whether a file holds exactly the bytes with this sha256: a temp file's content, not the pid in its name, tells whose it is. */
export async function holdsBytes(file: string, sha256: string): Promise<boolean> {
  return (await sha256OfRegularFile(file, { followLinks: false }).catch(() => undefined)) === sha256;
}

/**
 * A temp file of ours that stands in for `image` (a path relative to `dataDir`) and holds exactly
 * its bytes: the file was committed and is renamed into place next (or was not, after a crash).
 * Its content decides, not the pid in its name: pid 1 is always alive, and a reboot reuses pids.
 * Returns its path relative to `dataDir`.
 */
export async function committedTempFile(dataDir: string, image: string, sha256: string): Promise<string | undefined> {
  const folder = path.dirname(image);
  const names = await fsPromises.readdir(path.join(dataDir, folder)).catch(() => [] as string[]);
  for (const name of names) {
    if (tempFileWriter(name) === undefined || tempFileTarget(name) !== path.basename(image)) continue;
    const temp = path.join(folder, name);
    if (await holdsBytes(path.join(dataDir, temp), sha256)) return temp;
  }
  return undefined;
}

/** A file's bytes: whole, or as chunks (strings as UTF-8) written as they come. */
export type FileContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** A new temp file's name beside `file`, naming its writer's pid (what tempFileWriter and tempFileTarget read back). */
export function tempFileName(file: string): string {
  return `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
}

/** Writes and flushes `content` to a new temp file beside `file`; returns the temp file's path. */
export async function writeTempFile(fs: FileSystem, file: string, content: FileContent, mode = 0o600): Promise<string> {
  const temp = tempFileName(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    // each writeFile writes all of its chunk at the handle's position, which moves on past it
    for await (const chunk of typeof content === 'string' || content instanceof Uint8Array ? [content] : content) await handle.writeFile(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Puts a written temp file in place under its final name and flushes the folder. With
 * `replace: false` an existing file is kept and this fails with EEXIST instead. When this
 * fails, the temp file is left for the caller.
 */
export async function publishTempFile(fs: FileSystem, temp: string, file: string, { replace = true } = {}): Promise<void> {
  if (replace) await fs.rename(temp, file).catch((error: unknown) => putInPlaceElsewhere(fs, error, file));
  else {
    await fs.link(temp, file); // fails when the file exists, atomically
    await fs.unlink(temp);
  }
  await syncFolder(fs, path.dirname(file));
}

/**
 * A rename whose temp file is gone while the file is there: another process put it in place.
 * A writable open of the log does that with a committed capture's temp file once its bytes
 * match the capture's sha256, whatever pid its name gives (a pid says nothing after a reboot).
 */
async function putInPlaceElsewhere(fs: FileSystem, error: unknown, file: string): Promise<void> {
  const tempGone = (error as NodeJS.ErrnoException).code === 'ENOENT';
  const there = tempGone && (await fs.lstat(file).then(() => true, () => false));
  if (!there) throw error;
}

/** Writes `file` so that it is either absent or complete, even across a crash. */
export async function writeFileAtomic(fs: FileSystem, file: string, data: FileContent, { mode = 0o600, replace = true } = {}): Promise<void> {
  const temp = await writeTempFile(fs, file, data, mode);
  try {
    await publishTempFile(fs, temp, file, { replace });
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}
