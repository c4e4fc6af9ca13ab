import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders } from '../src/folders.js';

describe('makeFolders', () => {
  it('makes the missing folders, private, and leaves an existing one as it is', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'dermacam-folders-'));
    const deep = path.join(base, 'a', 'b', 'c');
    await makeFolders(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(path.join(base, 'a')).mode & 0o777).toBe(0o700);
    chmodSync(deep, 0o750); // an existing folder keeps the mode it has
    await makeFolders(deep);
    expect(statSync(deep).mode & 0o777).toBe(0o750);
  });

  it('takes a folder that another process makes meanwhile, but not a file', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'dermacam-folders-'));
    // the other process wins the race: the folder (or a file) appears between the look and the mkdir
    const racing = (make: (at: string) => Promise<unknown>) => ({
      ...fsPromises,
      mkdir: (async (at: string) => {
        await make(at);
        throw Object.assign(new Error(`EEXIST: ${at}`), { code: 'EEXIST' });
      }) as typeof fsPromises.mkdir,
    });
    await makeFolders(path.join(base, 'made'), racing((at) => fsPromises.mkdir(at)));
    expect(statSync(path.join(base, 'made')).isDirectory()).toBe(true);
    await expect(makeFolders(path.join(base, 'taken'), racing((at) => fsPromises.writeFile(at, 'x')))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('fails with EEXIST where a file stands in the path, and fails under /proc instead of looping for good', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'dermacam-folders-'));
    writeFileSync(path.join(base, 'file'), 'x');
    await expect(makeFolders(path.join(base, 'file', 'sub'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeFolders('/proc/dermacam-test/maps')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
