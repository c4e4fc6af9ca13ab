import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_MODEL_DATA_BYTES, ModelFolderError, readModelFile } from '../src/classifier/modelFile.js';

let dir: string;
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('a model file that opens but cannot be read', () => {
  it('is refused in one sentence naming the file and the error code (a failing disk)', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-model-file-'));
    const file = path.join(dir, 'weights.bin');
    writeFileSync(file, 'weights');
    const handle = await open(file);
    const fileHandlePrototype = Object.getPrototypeOf(handle) as typeof handle;
    await handle.close();
    vi.spyOn(fileHandlePrototype, 'read').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));

    const reading = readModelFile(dir, 'weights.bin', { what: 'weight file', maxBytes: MAX_MODEL_DATA_BYTES, missing: 'missing' });
    await expect(reading).rejects.toBeInstanceOf(ModelFolderError);
    await expect(reading).rejects.toThrow(`The weight file ${file} cannot be read (EIO).`);
  });
});
