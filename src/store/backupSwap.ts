import { copyFile, link, mkdir, readFile, rename, rm, rmdir, unlink } from 'node:fs/promises';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { exists } from '../regularFile.js';
import { ANCHOR_FILE } from './anchor.js';
import { writeFileAtomic } from './atomicFile.js';
import { syncFile, syncFolder } from '../durable.js';
import { isFolder, STAGING_FOLDER, type Placed } from './backupImages.js';
import { DATABASE_FILE, UNREFERENCED_FOLDER } from './sessionLog.js';
import { StoreError } from './storeErrors.js';

/**
 * The backup's change from one log to the next, written down before anything of the previous
 * backup moves, so that a run killed between the first move and the verdict is undone by the next
 * run. While it is undecided, `dermacam.db.previous` holds the previous log (a hard link, or a copy
 * where the file system has none); deleting it is the moment the new backup is kept.
 */
export const PLAN_FILE = '.backup-swap.json';
export const PREVIOUS_LOG = `${DATABASE_FILE}.previous`;
export const PREVIOUS_ANCHOR = `${ANCHOR_FILE}.previous`;

export interface SwapPlan {
  /** Whether the folder had a log before: without one, undoing the swap removes the new log. */
  hadLog: boolean;
  /** Whether it had an anchor: without one, undoing the swap removes the new anchor. */
  hadAnchor: boolean;
  placed: Placed[];
  removed: string[];
}

/** The files of one swap: the new log and anchor, in temp files of the backup folder. */
export interface SwapFiles {
  out: string;
  tempLog: string;
  tempAnchor: string;
}

/**
 * Puts the new backup in place, keeping the previous log and anchor aside: the staged images move
 * into their session folders, the images of withdrawn captures move into the staging folder, and
 * then the new log is renamed over the old one, and the new anchor over the old one. Where there
 * was no log, the anchor goes first (with no log, an anchor vouches for nothing yet); else just
 * after the log, as the old anchor vouches for a part of the new journal, while the new anchor
 * would vouch for entries the old log lacks.
 */
export async function swapIn({ out, tempLog, tempAnchor }: SwapFiles, plan: SwapPlan): Promise<void> {
  await writeFileAtomic(fsPromises, path.join(out, PLAN_FILE), JSON.stringify(plan));
  const log = path.join(out, DATABASE_FILE);
  const anchor = path.join(out, ANCHOR_FILE);
  if (plan.hadAnchor) await keepPrevious(anchor, path.join(out, PREVIOUS_ANCHOR));
  // written last of the two: while it is there, the swap is undecided
  if (plan.hadLog) await keepPrevious(log, path.join(out, PREVIOUS_LOG));
  else await writeFileAtomic(fsPromises, path.join(out, PREVIOUS_LOG), '');
  const touched = new Set<string>();
  for (const { image } of plan.placed) {
    await sessionFolder(out, image);
    await rename(path.join(out, STAGING_FOLDER, image), path.join(out, image));
    touched.add(path.dirname(path.join(out, image)));
  }
  for (const image of plan.removed) {
    await mkdir(path.dirname(path.join(out, STAGING_FOLDER, image)), { recursive: true, mode: 0o700 });
    await rename(path.join(out, image), path.join(out, STAGING_FOLDER, image));
    touched.add(path.dirname(path.join(out, image)));
  }
  for (const folder of touched) await syncFolder(fsPromises, folder);
  await syncFile(fsPromises, tempAnchor);
  if (!plan.hadLog) await rename(tempAnchor, anchor);
  await syncFile(fsPromises, tempLog);
  await rename(tempLog, log);
  if (plan.hadLog) await rename(tempAnchor, anchor);
  await syncFolder(fsPromises, out);
}

/** Keeps the new backup: the previous log goes (the moment of decision), then the previous anchor and the staging folder. */
export async function commitSwap(out: string): Promise<void> {
  await unlink(path.join(out, PREVIOUS_LOG));
  await syncFolder(fsPromises, out);
  await finish(out);
}

/**
 * Undoes a swap: the removed images come back, the images placed where the backup had none go
 * back to staging (a damaged copy that was replaced is not brought back), then the previous
 * anchor and log return. Each step copes with having been done already, so that a run killed
 * while undoing is undone again by the next one; the previous log's second name goes last.
 */
export async function undoSwap(out: string, plan: SwapPlan): Promise<void> {
  for (const image of plan.removed) await moveIfThere(path.join(out, STAGING_FOLDER, image), path.join(out, image));
  for (const { image, fresh } of plan.placed) {
    if (!fresh) continue;
    await mkdir(path.dirname(path.join(out, STAGING_FOLDER, image)), { recursive: true, mode: 0o700 });
    await moveIfThere(path.join(out, image), path.join(out, STAGING_FOLDER, image));
  }
  // a rename over a hard link of the same file does nothing: hence the unlinks after each
  await putBack(plan.hadAnchor, path.join(out, PREVIOUS_ANCHOR), path.join(out, ANCHOR_FILE));
  await putBack(plan.hadLog, path.join(out, PREVIOUS_LOG), path.join(out, DATABASE_FILE));
  await syncFolder(fsPromises, out);
  await unlink(path.join(out, PLAN_FILE)).catch(ignoreMissing);
}

/** The previous file back under its name, or, where there was none, the new one removed; then the second name goes. */
async function putBack(had: boolean, previous: string, file: string): Promise<void> {
  if (had) await moveIfThere(previous, file);
  else await unlink(file).catch(ignoreMissing);
  await unlink(previous).catch(ignoreMissing);
}

/**
 * Ends what a killed backup left: a swap still undecided (the previous log is still aside) is
 * undone; a decided one only has its staging folder and plan left to clear.
 */
export async function finishInterruptedSwap(out: string): Promise<'none' | 'undone' | 'finished'> {
  const plan = await readPlan(out);
  if (!plan) return 'none';
  if (await exists(path.join(out, PREVIOUS_LOG))) {
    await undoSwap(out, plan);
    return 'undone';
  }
  await finish(out);
  return 'finished';
}

async function readPlan(out: string): Promise<SwapPlan | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(out, PLAN_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const plan = JSON.parse(text) as SwapPlan;
    if (typeof plan.hadLog === 'boolean' && typeof plan.hadAnchor === 'boolean' && Array.isArray(plan.placed) && Array.isArray(plan.removed)) return plan;
  } catch {
    // not what a backup writes: below
  }
  throw new StoreError(`${path.join(out, PLAN_FILE)} is not what dermacam backup writes, so the backup folder was left as it is; move that file away and run the backup again.`);
}

/** The previous anchor, the staging folder (and `unreferenced/` when it held nothing else) and the plan go. */
async function finish(out: string): Promise<void> {
  await unlink(path.join(out, PREVIOUS_ANCHOR)).catch(ignoreMissing);
  await rm(path.join(out, STAGING_FOLDER), { recursive: true, force: true });
  await rmdir(path.join(out, UNREFERENCED_FOLDER)).catch(() => undefined); // kept when a repair moved files there
  await unlink(path.join(out, PLAN_FILE)).catch(ignoreMissing);
  await syncFolder(fsPromises, out);
}

/** The previous log under a second name: a hard link, or a copy renamed into place where links are not supported (FAT). */
async function keepPrevious(log: string, previous: string): Promise<void> {
  await unlink(previous).catch(ignoreMissing);
  try {
    await link(log, previous);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
  }
  const temp = `${previous}.partial`;
  await copyFile(log, temp);
  await syncFile(fsPromises, temp);
  await rename(temp, previous);
}

/** The backup's session folder of an image, made when missing; a link or file in its place is refused, as writing through it would write elsewhere. */
async function sessionFolder(out: string, image: string): Promise<void> {
  const folder = path.join(out, path.dirname(image));
  if (await isFolder(folder)) return;
  if (await exists(folder)) throw new StoreError(`${folder} is not a folder (a link or a file), so the backup stopped there; move it away and run the backup again.`);
  await mkdir(folder, { mode: 0o700 });
}

async function moveIfThere(from: string, to: string): Promise<void> {
  await rename(from, to).catch(ignoreMissing);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
