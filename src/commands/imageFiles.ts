import { stat } from 'node:fs/promises';
import { listFolder, type FolderEntry } from '../folderEntries.js';
import { IMAGE_EXTENSIONS, isImageName } from '../images.js';
import { describeOpenFailure } from '../regularFile.js';

/**
 * One command-line input: an image file to classify, or a problem to report for it. A folder
 * without images is such a problem, marked `emptyFolder`: it is not an image, and is not counted as one.
 * `file` is the path as messages show it; `opens`, for a folder's image, the path that opens it (see FolderEntry).
 */
export type ImageInput = { file: string; opens?: string | Buffer } | { file: string; error: string; emptyFolder?: true };

/** What a folder must hold to count: files with these endings, in the folder itself. */
const IMAGE_KINDS = `${IMAGE_EXTENSIONS.join(', ')} files; folders inside it are not searched`;

/**
 * Expands files and folders into image files. A folder contributes its images (sorted, not
 * recursive); a missing path, a folder that cannot be listed or one without images becomes an error entry.
 */
export async function expandImageInputs(inputs: string[]): Promise<ImageInput[]> {
  const expanded: ImageInput[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch (error) {
      expanded.push({ file: input, error: describeOpenFailure(error as NodeJS.ErrnoException) });
      continue;
    }
    if (!info.isDirectory()) {
      expanded.push({ file: input });
      continue;
    }
    let entries: FolderEntry[];
    try {
      entries = await listFolder(input);
    } catch (error) {
      expanded.push({ file: input, error: `the folder cannot be listed: ${describeOpenFailure(error as NodeJS.ErrnoException)}` });
      continue;
    }
    const images = entries.filter((entry) => isImageName(entry.shown));
    if (images.length === 0) expanded.push({ file: input, error: `the folder contains no images (${IMAGE_KINDS}).`, emptyFolder: true });
    for (const image of images) expanded.push({ file: image.shown, opens: image.path });
  }
  return expanded;
}

export const isEmptyFolder = (input: ImageInput): boolean => 'emptyFolder' in input && input.emptyFolder === true;

/** The one sentence for inputs that are all folders without images: there is nothing to classify. */
export function noImagesSentence(folders: string[]): string {
  const named = folders.length === 1 ? `The folder ${folders[0]} holds` : `The folders ${folders.join(', ')} hold`;
  return `${named} no images (${IMAGE_KINDS}).`;
}
