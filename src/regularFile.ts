import { createHash } from 'node:crypto';
import { constants, type PathLike } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { UserError } from './errors.js';

/** No picture dermacam reads is larger: a 50-megapixel JPEG is about 25 MB. */
export const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

export class FileRefusedError extends UserError {}

/** Whether anything (a file, a folder, a link) is at this path; a link is not followed. */
export const exists = (file: PathLike) => lstat(file).then(() => true, () => false);

/**
 * Reads a whole regular file of at most `maxBytes`, or refuses it in one sentence (see
 * openRegularFile). The size is checked on the open handle, so a symlink swapped in after a
 * check cannot grow the read (/dev/zero).
 */
export async function readRegularFile(file: PathLike, { maxBytes = MAX_IMAGE_BYTES, followLinks = true } = {}): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, { followLinks });
  try {
    refuseLarger(size, maxBytes);
    const data = Buffer.alloc(size);
    const { bytesRead } = await handle.read(data, 0, size, 0);
    return data.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The sha256 (hex) of a regular file of at most `maxBytes`, read a chunk at a time; refused as readRegularFile refuses. */
export async function sha256OfRegularFile(file: PathLike, { maxBytes = MAX_IMAGE_BYTES, followLinks = true } = {}): Promise<string> {
  const { handle, size } = await openRegularFile(file, { followLinks });
  try {
    refuseLarger(size, maxBytes);
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(Math.min(size, 1024 * 1024));
    for (let position = 0; position < size; ) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break; // cut short since it was opened
      hash.update(chunk.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Why a file could not be read, as the end of a sentence: the refusal's own words, or the system's code. */
export function describeReadFailure(error: unknown): string {
  if (error instanceof FileRefusedError) return error.message;
  return `reading it failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`;
}

function refuseLarger(size: number, maxBytes: number): void {
  if (size > maxBytes) throw new FileRefusedError(`the file is larger than the limit of ${Math.round(maxBytes / 1024 / 1024)} MB.`);
}

/**
 * Opens a regular file for reading and gives its size, or refuses it in one sentence. Opening
 * without blocking means a FIFO or device cannot hang the caller. With `followLinks: false` a
 * symlink itself is refused. The caller closes the handle.
 */
export async function openRegularFile(file: PathLike, { followLinks = true } = {}): Promise<{ handle: FileHandle; size: number }> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (followLinks ? 0 : constants.O_NOFOLLOW);
  let handle;
  try {
    handle = await open(file, flags);
  } catch (error) {
    throw new FileRefusedError(describeOpenFailure(error as NodeJS.ErrnoException, { followLinks }));
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new FileRefusedError('it is a folder, not a file.');
    if (!info.isFile()) throw new FileRefusedError('it is not a regular file (a pipe, socket or device).');
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Why a file could not be opened (or looked at), as one sentence about "it". ELOOP means the link
 * itself where links are not followed, and a loop (or too long a chain of links) where they are.
 */
export function describeOpenFailure(error: NodeJS.ErrnoException, { followLinks = true } = {}): string {
  if (error.code === 'ENOENT') return 'the file does not exist.';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission to read it is denied.';
  if (error.code === 'ELOOP') return followLinks ? 'it is a symbolic link that cannot be followed (a loop of links).' : 'it is a symbolic link, which is not followed here.';
  if (error.code === 'EISDIR') return 'it is a folder, not a file.';
  return `it cannot be opened (${error.code ?? error.message}).`;
}
