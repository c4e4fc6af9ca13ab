import type * as fsPromises from 'node:fs/promises';

/** The one file-system call that flushing needs, so that tests can record the order of writes and flushes. */
export type SyncFileSystem = Pick<typeof fsPromises, 'open'>;

/**
 * Flushes a file's bytes (and size) to the disk: after this a power cut leaves them whole. Its
 * name is a separate matter: see syncFolder.
 */
export async function syncFile(fs: SyncFileSystem, file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a folder, so that the names made, renamed or removed in it survive a power cut: a
 * renamed file under its new name, a new file or folder at all, a deleted one gone for good.
 * A file system that cannot flush a folder (EINVAL, ENOTSUP) has nothing more to give.
 */
export async function syncFolder(fs: SyncFileSystem, folder: string): Promise<void> {
  // a folder is flushed as a file is, through a handle opened for reading
  await syncFile(fs, folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EINVAL' && error.code !== 'ENOTSUP') throw error;
  });
}
