import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isImageName } from '../images.js';
import { readRegularFile } from '../regularFile.js';
import { CameraError, type CameraSource } from './source.js';
import { fileStill } from './still.js';

async function readImage(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file);
  } catch (error) {
    throw new CameraError(`The camera image ${file} cannot be read: ${(error as Error).message}`);
  }
}

/** `file:<image>`: a camera that always sees the same picture. */
export function fileCamera(file: string): CameraSource {
  return {
    description: `file ${file}`,
    previewFrame: () => readImage(file),
    capture: async () => fileStill(await readImage(file), `file ${file}`),
    stop: async () => undefined,
  };
}

/**
 * `dir:<folder>`: a camera that looks at each image of a folder in turn, moving on every
 * `secondsPerImage` seconds, so that captures over time see different pictures.
 */
export function folderCamera(folder: string, secondsPerImage = 4, now: () => number = Date.now): CameraSource {
  let images: string[] | undefined;
  const started = now();
  async function current(): Promise<string> {
    if (!images) {
      const names = await readdir(folder).catch(() => {
        throw new CameraError(`The camera folder ${folder} cannot be read.`);
      });
      images = names.filter(isImageName).sort().map((name) => path.join(folder, name));
    }
    if (images.length === 0) throw new CameraError(`The camera folder ${folder} holds no images.`);
    return images[Math.floor((now() - started) / 1000 / secondsPerImage) % images.length]!;
  }
  return {
    get description() {
      return `folder ${folder}`;
    },
    previewFrame: async () => readImage(await current()),
    capture: async () => {
      const file = await current();
      return fileStill(await readImage(file), `file ${file}`);
    },
    stop: async () => undefined,
  };
}
