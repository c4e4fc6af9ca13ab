import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isImageName } from '../images.js';
import { exists, readRegularFile } from '../regularFile.js';
import { escapeControlCharacters } from '../text.js';
import { CameraError, type CameraSource } from './source.js';
import { fileStill, pictureName, picturePreviews } from './still.js';

async function readImage(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file);
  } catch (error) {
    throw new CameraError(`${pictureName(file)} cannot be read: ${(error as Error).message}`);
  }
}

/** `file:<image>`: a camera that always sees the same picture (read again for every frame, so an edit of the file shows). */
export function fileCamera(file: string): CameraSource {
  const preview = picturePreviews();
  return {
    description: `file ${file}`,
    previewFrame: async () => preview(await readImage(file), pictureName(file)),
    capture: async () => fileStill(await readImage(file), pictureName(file)),
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
  let listing: { at: number; images: Promise<string[]> } | undefined;
  let listedOnce = false;
  const preview = picturePreviews();

  async function list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      throw new CameraError(folderProblem(shown, (error as NodeJS.ErrnoException).code, listedOnce));
    }
    listedOnce = true;
    return names.filter(isImageName).sort().map((name) => path.join(folder, name));
  }

  async function images(): Promise<string[]> {
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

  async function current(): Promise<string> {
    const files = await images();
    if (files.length === 0) throw new CameraError(`The camera folder ${shown} holds no images (JPEG, PNG or WebP) yet.`);
    return files[Math.floor((now() - started) / 1000 / secondsPerImage) % files.length]!;
  }

  /** The current image and its bytes; an image removed since the folder was listed makes it list the folder again at once. */
  async function picture(): Promise<{ file: string; image: Buffer }> {
    const file = await current();
    try {
      return { file, image: await readImage(file) };
    } catch (error) {
      if (await exists(file)) throw error;
      listing = undefined;
      const next = await current();
      return { file: next, image: await readImage(next) };
    }
  }

  return {
    get description() {
      return `folder ${folder}`;
    },
    previewFrame: async () => {
      const { file, image } = await picture();
      return preview(image, pictureName(file));
    },
    capture: async () => {
      const { file, image } = await picture();
      return fileStill(image, pictureName(file));
    },
    stop: async () => undefined,
  };
}

/** Why a camera folder cannot be listed, in one sentence. */
function folderProblem(folder: string, code: string | undefined, listedBefore: boolean): string {
  if (code === 'ENOENT') return listedBefore ? `The camera folder ${folder} is gone: it was moved or deleted, or its drive was unplugged.` : `The camera folder ${folder} does not exist.`;
  if (code === 'ENOTDIR') return `The camera folder ${folder} is not a folder.`;
  if (code === 'EACCES' || code === 'EPERM') return `The camera folder ${folder} may not be read by this user.`;
  return `The camera folder ${folder} cannot be read${code ? ` (${code})` : ''}.`;
}
