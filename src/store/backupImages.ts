import { createHash } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { syncFolder } from '../durable.js';
import { exists, MAX_IMAGE_BYTES, openRegularFile } from '../regularFile.js';
import { committedTempFile, holdsBytes, tempFileName } from './atomicFile.js';
import type { Capture } from './records.js';
import { UNREFERENCED_FOLDER } from './sessionLog.js';
import { StoreError } from './storeErrors.js';

/**
 * Where a backup puts the images it copies until the new log takes over: inside `unreferenced/`,
 * which `doctor --verify` leaves alone (it is where files no capture refers to belong), so that a
 * backup killed while it copies leaves the previous backup verifying clean.
 */
export const STAGING_FOLDER = path.join(UNREFERENCED_FOLDER, 'backup-incoming');

/** An image moved into place by the swap: `fresh` when the backup had no file there (not a damaged copy replaced). */
export interface Placed {
  image: string;
  fresh: boolean;
}

/** What one pass over a snapshot's captures did and found. */
export interface StagePass {
  /** Images staged, to be moved into place by the swap. */
  placed: Placed[];
  /** Images of captures withdrawn in the snapshot that the backup still holds: moved out by the swap. */
  removed: string[];
  /** Live captures whose image the data folder does not hold now (withdrawn since the snapshot, or lost). */
  missing: Pick<Capture, 'id' | 'image_path'>[];
  /** Images copied from the data folder in this pass. */
  copied: number;
  /** Images the backup already held with their logged sha256. */
  kept: number;
  /** Images an interrupted backup had staged already, with their logged sha256. */
  resumed: number;
  bytesCopied: number;
}

/** How many images are copied at once: enough to overlap reading one disk and writing the other. */
const IMAGES_AT_ONCE = 4;

type ImageRow = Pick<Capture, 'id' | 'session_id' | 'image_path' | 'image_sha256' | 'withdrawn_at'>;

/**
 * For each live capture of the snapshot (a copy of the log, `snapshot`), makes sure its image will
 * be in the backup `out` with its logged sha256: kept when `out` has it already, else copied from
 * `dataDir` into the staging folder (a temp file, flushed, renamed). Withdrawn captures' images
 * that `out` still holds are listed for removal. Refuses, in one sentence, an image path outside
 * its session folder and a data folder image whose bytes are not the ones logged.
 */
export async function stageImages(snapshot: Database.Database, dataDir: string, out: string): Promise<StagePass> {
  const pass: StagePass = { placed: [], removed: [], missing: [], copied: 0, kept: 0, resumed: 0, bytesCopied: 0 };
  const stagedFolders = new Set<string>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  const rows = snapshot.prepare('SELECT id, session_id, image_path, image_sha256, withdrawn_at FROM captures ORDER BY rowid').iterate() as IterableIterator<ImageRow>;
  for (const row of rows) {
    const image = imagePathOf(row, dataDir);
    if (row.withdrawn_at !== null) {
      if (await exists(path.join(out, image))) pass.removed.push(image);
      continue;
    }
    const work = stageImage(row, image, dataDir, out, pass, stagedFolders).catch((error: unknown) => void (failure ??= error));
    running.add(work);
    void work.finally(() => running.delete(work));
    if (running.size >= IMAGES_AT_ONCE) await Promise.race(running);
    if (failure) break;
  }
  await Promise.all(running);
  if (failure) throw failure;
  for (const folder of stagedFolders) await syncFolder(fsPromises, folder);
  return pass;
}

async function stageImage(row: ImageRow, image: string, dataDir: string, out: string, pass: StagePass, stagedFolders: Set<string>): Promise<void> {
  const destination = path.join(out, image);
  if (await holdsBytes(destination, row.image_sha256)) {
    pass.kept++;
    return;
  }
  const fresh = !(await exists(destination));
  const staged = path.join(out, STAGING_FOLDER, image);
  if (await holdsBytes(staged, row.image_sha256)) {
    pass.resumed++;
    pass.placed.push({ image, fresh });
    return;
  }
  const source = await findSourceImage(dataDir, image, row.image_sha256);
  if (!source) {
    pass.missing.push({ id: row.id, image_path: image });
    return;
  }
  await mkdir(path.dirname(staged), { recursive: true, mode: 0o700 });
  const bytes = await copyChecked(source, staged, row.image_sha256, dataDir, image);
  stagedFolders.add(path.dirname(staged));
  pass.copied++;
  pass.bytesCopied += bytes;
  pass.placed.push({ image, fresh });
}

/**
 * A capture's image path, relative to the data folder: `<session>/<file>`, inside its own
 * session folder. Anything else (an edited row) is refused, as it could name a file anywhere.
 */
function imagePathOf(row: ImageRow, dataDir: string): string {
  const image = String(row.image_path);
  const [folder, file, ...rest] = image.split('/');
  const safe = (part: string | undefined) => part !== undefined && part !== '' && !part.startsWith('.') && !part.includes('\0');
  if (rest.length > 0 || !safe(folder) || !safe(file) || folder !== row.session_id || folder === UNREFERENCED_FOLDER) {
    throw new StoreError(
      `Capture ${row.id} names its image "${image}", which is not a file of its session's folder, so no backup was made; dermacam doctor --verify --data-dir ${dataDir} says more.`,
    );
  }
  return image;
}

/**
 * The data folder's file holding a capture's image: the image itself, or, while the capture is
 * being committed (or after a crash between its commit and its rename), the writer's temp file
 * holding its bytes. Looked for again a few times, as a writer renames right after its commit.
 */
async function findSourceImage(dataDir: string, image: string, sha256: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(100 * attempt);
    const file = path.join(dataDir, image);
    if (await exists(file)) return file;
    const temp = await committedTempFile(dataDir, image, sha256);
    if (temp) return path.join(dataDir, temp);
  }
  return undefined;
}

/**
 * Copies `source` to `staged` through a temp file beside it, flushed before it is renamed, and
 * hashing the bytes as they pass: a copy whose sha256 is not the logged one is not kept, and the
 * backup stops in one sentence (the data folder's image was changed, or its disk fails).
 * Returns the bytes copied.
 */
async function copyChecked(source: string, staged: string, sha256: string, dataDir: string, image: string): Promise<number> {
  let opened;
  try {
    opened = await openRegularFile(source, { followLinks: false });
  } catch (error) {
    throw new StoreError(`The image ${image} in ${dataDir} cannot be read (${(error as Error).message.replace(/\.$/, '')}), so no backup was made; dermacam doctor --verify --data-dir ${dataDir} says more.`);
  }
  const { handle: input, size } = opened;
  const temp = tempFileName(staged);
  const hash = createHash('sha256');
  let copied = 0;
  try {
    if (size > MAX_IMAGE_BYTES) throw new StoreError(`The image ${image} in ${dataDir} is larger than any picture dermacam writes, so no backup was made; dermacam doctor --verify --data-dir ${dataDir} says more.`);
    const output = await open(temp, 'wx', 0o600);
    try {
      const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(size, 1024 * 1024)));
      for (let position = 0; position < size; ) {
        const { bytesRead } = await input.read(chunk, 0, Math.min(chunk.length, size - position), position);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        await output.write(chunk, 0, bytesRead);
        position += bytesRead;
        copied += bytesRead;
      }
      await output.sync();
    } finally {
      await output.close();
    }
    if (hash.digest('hex') !== sha256) {
      throw new StoreError(
        `The image ${image} in ${dataDir} no longer holds the bytes its capture logged (it was changed, or the disk is failing), so no backup was made and the backup folder keeps its previous copy; dermacam doctor --verify --data-dir ${dataDir} says more.`,
      );
    }
    await rename(temp, staged);
    return copied;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  } finally {
    await input.close();
  }
}

/** Whether something is at `file`, and it is a folder (a link to one is not). */
export async function isFolder(file: string): Promise<boolean> {
  return lstat(file).then((info) => info.isDirectory(), () => false);
}
