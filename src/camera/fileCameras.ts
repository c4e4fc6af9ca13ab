import type { PathLike } from 'node:fs';
import { listFolder, type FolderEntry } from '../folderEntries.js';
import { isImageName } from '../images.js';
import { exists, readRegularFile } from '../regularFile.js';
import { escapeControlCharacters } from '../text.js';
import { CameraError, type CameraSource } from './source.js';
import { fileStill, pictureName, picturePreviews } from './still.js';

/** A picture file's bytes; `name` is how the camera's sentences name it (see pictureName). */
async function readImage(file: PathLike, name: string): Promise<Buffer> {
  try {
    return await readRegularFile(file);
  } catch (error) {
    throw new CameraError(`${name} cannot be read: ${(error as Error).message}`);
  }
}

/** `file:<image>`: a camera that always sees the same picture (read again for every frame, so an edit of the file shows). */
export function fileCamera(file: string): CameraSource {
  const preview = picturePreviews();
  const name = pictureName(file);
  return {
    description: `file ${file}`,
    previewFrame: async () => preview(await readImage(file, name), name),
    capture: async () => fileStill(await readImage(file, name), name),
    stop: async () => undefined,
  };
}

/** How long a `dir:` camera's list of images is used before the folder is listed again: pictures added or removed show within it. */
export const FOLDER_RELIST_MS = 1000;

/**
 * `dir:<folder>`: a camera that looks at each image of a folder in turn, moving on every
 * `secondsPerImage` seconds, so that captures over time see different pictures. The folder is
 * listed again when a frame is asked for and the last list is older than `FOLDER_RELIST_MS`, so
 * images copied in (or removed) while it runs are seen; nothing runs between frames.
 */
export function folderCamera(folder: string, secondsPerImage = 4, now: () => number = Date.now): CameraSource {
  const started = now();
  const shown = escapeControlCharacters(folder);
  let listing: { at: number; images: Promise<FolderEntry[]> } | undefined;
  let listedOnce = false;
  const preview = picturePreviews();

  async function list(): Promise<FolderEntry[]> {
    let entries: FolderEntry[];
    try {
      entries = await listFolder(folder);
    } catch (error) {
      throw new CameraError(folderProblem(shown, (error as NodeJS.ErrnoException).code, listedOnce));
    }
    listedOnce = true;
    return entries.filter((entry) => isImageName(entry.shown));
  }

  async function images(): Promise<FolderEntry[]> {
    if (!listing || now() - listing.at >= FOLDER_RELIST_MS) {
      const fresh = { at: now(), images: list() };
      listing = fresh;
      // a folder that cannot be listed is asked again at the next frame, not remembered as empty
      fresh.images.catch(() => {
        if (listing === fresh) listing = undefined;
      });
    }
    return listing.images;
  }

  async function current(): Promise<FolderEntry> {
    const files = await images();
    if (files.length === 0) throw new CameraError(`The camera folder ${shown} holds no images (JPEG, PNG or WebP) yet.`);
    return files[Math.floor((now() - started) / 1000 / secondsPerImage) % files.length]!;
  }

  /** The current image and its bytes; an image removed since the folder was listed makes it list the folder again at once. */
  async function picture(): Promise<{ name: string; image: Buffer }> {
    const entry = await current();
    try {
      return await pictureOf(entry);
    } catch (error) {
      if (await exists(entry.path)) throw error;
      listing = undefined;
      return pictureOf(await current());
    }
  }

  return {
    get description() {
      return `folder ${folder}`;
    },
    previewFrame: async () => {
      const { name, image } = await picture();
      return preview(image, name);
    },
    capture: async () => {
      const { name, image } = await picture();
      return fileStill(image, name);
    },
    stop: async () => undefined,
  };
}

async function pictureOf(entry: FolderEntry): Promise<{ name: string; image: Buffer }> {
  const name = pictureName(entry.shown);
  return { name, image: await readImage(entry.path, name) };
}

/** Why a camera folder cannot be listed, in one sentence. */
function folderProblem(folder: string, code: string | undefined, listedBefore: boolean): string {
  if (code === 'ENOENT') return listedBefore ? `The camera folder ${folder} is gone: it was moved or deleted, or its drive was unplugged.` : `The camera folder ${folder} does not exist.`;
  if (code === 'ENOTDIR') return `The camera folder ${folder} is not a folder.`;
  if (code === 'EACCES' || code === 'EPERM') return `The camera folder ${folder} may not be read by this user.`;
  return `The camera folder ${folder} cannot be read${code ? ` (${code})` : ''}.`;
}
