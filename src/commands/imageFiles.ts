import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS, isImageName } from '../images.js';


/** One command-line input: either an image file to classify, or a problem to report for it. */
export type ImageInput = { file: string } | { file: string; error: string };

/**
 * Expands files and folders into image files. A folder contributes its images (sorted, not
 * recursive); a missing path or a folder without images becomes an error entry.
 */
export async function expandImageInputs(inputs: string[]): Promise<ImageInput[]> {
  const expanded: ImageInput[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      expanded.push({ file: input, error: 'the file does not exist.' });
      continue;
    }
    if (!info.isDirectory()) {
      expanded.push({ file: input });
      continue;
    }
    const images = (await readdir(input)).filter(isImageName).sort();
    if (images.length === 0) expanded.push({ file: input, error: `the folder contains no images (${IMAGE_EXTENSIONS.join(', ')}).` });
    for (const name of images) expanded.push({ file: path.join(input, name) });
  }
  return expanded;
}
