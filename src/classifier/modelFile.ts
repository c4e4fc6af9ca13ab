import path from 'node:path';
import { UserError } from '../errors.js';
import { exists, FileRefusedError, readRegularFile } from '../regularFile.js';

/** A model folder, or a file in it, that cannot be used; its message is one sentence for the operator. */
export class ModelFolderError extends UserError {}

/** A model card or model.json is tens of kB; a few MB leaves room for a larger network. */
export const MAX_MODEL_JSON_BYTES = 4 * 1024 * 1024;
/** The weights, ONNX export or "not a lesion" data of a MobileNet V1 are a few MB (alpha 1.0: about 17 MB). */
export const MAX_MODEL_DATA_BYTES = 64 * 1024 * 1024;

/**
 * Reads a file that a model folder holds or names, or refuses it in one sentence: a name that
 * is not a plain file name in the folder (a path, "..") is refused before anything is opened,
 * and what is not a regular file of at most `maxBytes` (a FIFO, /dev/zero) is refused on the
 * open handle, so a symlink in the folder is followed but cannot smuggle either in. `missing`
 * is the sentence for a file that is not there.
 */
export async function readModelFile(dir: string, name: string, { what, maxBytes, missing }: { what: string; maxBytes: number; missing: string }): Promise<Buffer> {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new ModelFolderError(`The ${what} "${name}" named in the model folder ${dir} is not a file name inside that folder, so it is refused.`);
  }
  const file = path.join(dir, name);
  try {
    return await readRegularFile(file, { maxBytes });
  } catch (error) {
    if (error instanceof FileRefusedError) {
      if (!(await exists(file))) throw new ModelFolderError(missing);
      throw new ModelFolderError(`The ${what} ${file} cannot be used: ${error.message}`);
    }
    // opened but not read to the end: a failing disk or drive (EIO), a network share gone
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ModelFolderError(`The ${what} ${file} cannot be read (${code ?? message}).`);
  }
}
