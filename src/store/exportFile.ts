import { randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { publishTempFile, TEMP_SUFFIX, type FileSystem } from './atomicFile.js';
import { capturesCsv } from './csvExport.js';
import type { SessionLog } from './sessionLog.js';
import { describeWriteFailure, StoreError } from './storeErrors.js';

/** An export's bytes: whole, or as chunks (strings as UTF-8) written as they come. */
export type ExportContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Writes an export so that the named file is the whole export or is not there at all (a crash
 * or a full disk leaves no half file), private (0600). An existing file is replaced only with
 * `replace`, and a symbolic link never: its target would be what gets overwritten.
 */
export async function writeExportFile(file: string, content: ExportContent, { replace = false, fs = fsPromises as FileSystem } = {}): Promise<void> {
  const existing = await fsPromises.lstat(file).catch(() => undefined);
  if (existing?.isSymbolicLink()) throw new StoreError(`${file} is a symbolic link; name the file itself.`);
  if (existing && !replace) throw new StoreError(`${file} already exists; add --force to overwrite it.`);
  try {
    await writeWhole(fs, file, content, replace);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError(`${file} already exists; add --force to overwrite it.`);
    throw new StoreError(`The export was not written: ${describeWriteFailure(error, path.dirname(file))}. No file was left at ${file}.`);
  }
}

/** Writes the content chunk by chunk to a flushed temp file beside `file`, then puts it in place; on a failure removes the temp file. */
async function writeWhole(fs: FileSystem, file: string, content: ExportContent, replace: boolean): Promise<void> {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await fs.open(temp, 'wx', 0o600);
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
  try {
    await publishTempFile(fs, temp, file, { replace });
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Writes one session's CSV into the data folder under a new name; returns its path. */
export async function writeSessionCsv(log: SessionLog, sessionId: string, now: Date = new Date()): Promise<string> {
  const file = path.join(log.dataDir, `export-${sessionId}-${now.toISOString().slice(11, 19).replace(/:/g, '')}.csv`);
  await writeExportFile(file, capturesCsv(log.sessions(), log.captures(sessionId), log.lesions()));
  return file;
}
