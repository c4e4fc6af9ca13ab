import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { folderCamera } from '../src/camera/fileCameras.js';
import { expandImageInputs } from '../src/commands/imageFiles.js';
import { readRegularFile } from '../src/regularFile.js';
import { FIXTURES } from './helpers/paths.js';

/** Folders named `locked` cannot be listed, as for a user without read permission (tests run as root, whom no mode stops). */
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  const readdir = (folder: Parameters<typeof original.readdir>[0], ...rest: unknown[]) =>
    path.basename(String(folder)) === 'locked'
      ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${String(folder)}'`), { code: 'EACCES' }))
      : (original.readdir as (...args: unknown[]) => unknown)(folder, ...rest);
  return { ...original, default: { ...original, readdir }, readdir };
});

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-image-inputs-'));
const fixture = path.join(FIXTURES, 'ISIC_0024323.jpg');

describe('the images named on the command line', () => {
  it('gives a folder that cannot be listed its own error, and lists the others', async () => {
    const work = tempDir();
    const locked = path.join(work, 'locked');
    const open = path.join(work, 'open');
    mkdirSync(locked);
    mkdirSync(open);
    copyFileSync(fixture, path.join(open, 'a.jpg'));
    expect(await expandImageInputs([locked, open])).toEqual([
      { file: locked, error: 'the folder cannot be listed: permission to read it is denied.' },
      { file: path.join(open, 'a.jpg'), opens: path.join(open, 'a.jpg') },
    ]);
  });

  it('opens a file whose name is not UTF-8', async () => {
    const work = tempDir();
    const name = Buffer.concat([Buffer.from('l\xe9sion', 'latin1'), Buffer.from('.jpg')]);
    writeFileSync(Buffer.concat([Buffer.from(`${work}/`), name]), 'picture bytes');
    const [input] = await expandImageInputs([work]);
    expect(input).toMatchObject({ file: path.join(work, 'l\ufffdsion.jpg') });
    expect((await readRegularFile((input as { opens: Buffer }).opens)).toString()).toBe('picture bytes');
  });

  it('says that a symbolic link loop cannot be followed, given directly or in a folder', async () => {
    const work = tempDir();
    const loop = path.join(work, 'loop.jpg');
    symlinkSync(loop, loop);
    expect(await expandImageInputs([loop])).toEqual([{ file: loop, error: 'it is a symbolic link that cannot be followed (a loop of links).' }]);
    await expect(readRegularFile(loop)).rejects.toThrow('it is a symbolic link that cannot be followed (a loop of links).');
    await expect(readRegularFile(loop, { followLinks: false })).rejects.toThrow('it is a symbolic link, which is not followed here.');
  });
});

describe('the dir: camera', () => {
  it('captures a picture whose name is not UTF-8', async () => {
    const work = tempDir();
    copyFileSync(fixture, Buffer.concat([Buffer.from(`${work}/`), Buffer.from([0x66, 0xff]), Buffer.from('.jpg')]));
    const still = await folderCamera(work).capture();
    expect(still.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});
