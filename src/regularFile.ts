import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { UserError } from './errors.js';

/** No picture dermacam reads is larger: a 50-megapixel JPEG is about 25 MB. */
export const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

export class FileRefusedError extends UserError {}

/**
 * Reads a whole regular file of at most `maxBytes`, or refuses it in one sentence. Opening
 * without blocking means a FIFO or device cannot hang the caller, and the size is checked on
 * the open handle, so a symlink swapped in after a check cannot grow the read (/dev/zero).
 * With `followLinks: false` a symlink itself is refused.
 */
export async function readRegularFile(file: string, { maxBytes = MAX_IMAGE_BYTES, followLinks = true } = {}): Promise<Buffer> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (followLinks ? 0 : constants.O_NOFOLLOW);
  let handle;
  try {
    handle = await open(file, flags);
  } catch (error) {
    throw new FileRefusedError(describeOpenFailure(error as NodeJS.ErrnoException));
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new FileRefusedError('it is a folder, not an image file.');
    if (!info.isFile()) throw new FileRefusedError('it is not a regular file (a pipe, socket or device).');
    if (info.size > maxBytes) throw new FileRefusedError(`the file is larger than the limit of ${Math.round(maxBytes / 1024 / 1024)} MB.`);
    const data = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(data, 0, info.size, 0);
    return data.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function describeOpenFailure(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'the file does not exist.';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission to read it is denied.';
  if (error.code === 'ELOOP') return 'it is a symbolic link, which is not followed here.';
  if (error.code === 'EISDIR') return 'it is a folder, not an image file.';
  return `it cannot be opened (${error.code ?? error.message}).`;
}
