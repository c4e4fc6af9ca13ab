import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS, isImageName } from '../images.js';

/**
 * One command-line input: an image file to classify, or a problem to report for it. A folder
 * without images is such a problem, marked `emptyFolder`: it is not an image, and is not counted as one.
 */
export type ImageInput = { file: string } | { file: string; error: string; emptyFolder?: true };

/** What a folder must hold to count: files with these endings, in the folder itself. */
const IMAGE_KINDS = `${IMAGE_EXTENSIONS.join(', ')} files; folders inside it are not searched`;

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
    if (images.length === 0) expanded.push({ file: input, error: `the folder contains no images (${IMAGE_KINDS}).`, emptyFolder: true });
    for (const name of images) expanded.push({ file: path.join(input, name) });
  }
  return expanded;
}

export const isEmptyFolder = (input: ImageInput): boolean => 'emptyFolder' in input && input.emptyFolder === true;

/** The one sentence for inputs that are all folders without images: there is nothing to classify. */
export function noImagesSentence(folders: string[]): string {
  const named = folders.length === 1 ? `The folder ${folders[0]} holds` : `The folders ${folders.join(', ')} hold`;
  return `${named} no images (${IMAGE_KINDS}).`;
}
