import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, type FileContent, type FileSystem } from './atomicFile.js';
import { capturesCsv } from './csvExport.js';
import type { SessionLog } from './sessionLog.js';
import { describeStoreFailure, StoreError } from './storeErrors.js';
import { escapeControlCharacters } from '../text.js';


/**
 * Writes an export so that the named file is the whole export or is not there at all (a crash
 * or a full disk leaves no half file), private (0600). An existing file is replaced only with
 * `replace`, and only a regular file: the rename would put the export in place of a folder's
 * name, a pipe or a device (/dev/null), and a symbolic link's target would be what gets overwritten.
 */
export async function writeExportFile(file: string, content: FileContent, { replace = false, fs = fsPromises as FileSystem } = {}): Promise<void> {
  const shown = escapeControlCharacters(file);
  const existing = await fsPromises.lstat(file).catch(() => undefined);
  if (existing?.isSymbolicLink()) throw new StoreError(`${shown} is a symbolic link; name the file itself.`);
  if (existing?.isDirectory()) throw new StoreError(`${shown} is a folder; name a file to write.`);
  if (existing && !existing.isFile()) throw new StoreError(`${shown} is not a regular file (a pipe, socket or device), so it was left as it is; name a file to write.`);
  if (existing && !replace) throw new StoreError(`${shown} already exists; add --force to overwrite it.`);
  try {
    await writeFileAtomic(fs, file, content, { replace });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError(`${shown} already exists; add --force to overwrite it.`);
    throw new StoreError(`The export was not written: ${describeStoreFailure(error, path.dirname(file))}. No file was left at ${shown}.`);
  }
}

/** Writes one session's CSV into the data folder under a new name; returns its path. */
export async function writeSessionCsv(log: SessionLog, sessionId: string, now: Date = new Date()): Promise<string> {
  const file = path.join(log.dataDir, `export-${sessionId}-${now.toISOString().slice(11, 19).replace(/:/g, '')}.csv`);
  await writeExportFile(file, capturesCsv(log.sessions(), log.captures(sessionId), log.lesions()));
  return file;
}
