import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileCamera, folderCamera } from '../../src/camera/fileCameras.js';
import { checkedStill } from '../../src/camera/still.js';
import { readRegularFile } from '../../src/regularFile.js';
import { jsonLines, runCli } from '../helpers/cli.js';
import { pngHeaderClaiming } from '../helpers/hostileImages.js';
import { FIXTURES } from '../helpers/paths.js';
import { writeTinyModel } from '../helpers/tinyModel.js';

const good = path.join(FIXTURES, 'ISIC_0024323.jpg');
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-special-'));
  execFileSync('mkfifo', [path.join(work, 'pipe.jpg')]);
  symlinkSync('/dev/zero', path.join(work, 'zero.jpg'));
  writeFileSync(path.join(work, 'bomb.png'), pngHeaderClaiming(16000, 16000));
  const jpeg = readFileSync(good);
  writeFileSync(path.join(work, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
});

describe('reading a file dermacam was given', () => {
  it('refuses pipes, devices and folders at once, and files over the size limit, without reading them', async () => {
    await expect(readRegularFile(path.join(work, 'pipe.jpg'))).rejects.toThrow('it is not a regular file (a pipe, socket or device).');
    await expect(readRegularFile(path.join(work, 'zero.jpg'))).rejects.toThrow('it is not a regular file');
    await expect(readRegularFile(path.join(work, 'zero.jpg'), { followLinks: false })).rejects.toThrow('it is a symbolic link');
    await expect(readRegularFile(work)).rejects.toThrow('it is a folder');
    await expect(readRegularFile(good, { maxBytes: 1000 })).rejects.toThrow(/larger than the limit/);
    expect(await readRegularFile(good)).toEqual(readFileSync(good));
  });

  it('classify reports a pipe and a link to /dev/zero in a folder, and still classifies the image beside them', async () => {
    const folder = path.join(work, 'mixed');
    mkdirSync(folder);
    execFileSync('mkfifo', [path.join(folder, 'a-pipe.jpg')]);
    symlinkSync('/dev/zero', path.join(folder, 'b-zero.jpg'));
    copyFileSync(good, path.join(folder, 'c-good.jpg'));
    const result = await runCli(['classify', '--json', '--backend', 'cpu', '--model', await writeTinyModel(), folder], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    const lines = jsonLines(result.stdout);
    expect(lines.map((line) => [path.basename(line.file as string), line.error ?? line.label])).toEqual([
      ['a-pipe.jpg', 'it is not a regular file (a pipe, socket or device).'],
      ['b-zero.jpg', 'it is not a regular file (a pipe, socket or device).'],
      ['c-good.jpg', expect.stringMatching(/^(benign|malignant|uncertain|rejected)$/)],
    ]);
  });
});

describe('camera stills', () => {
  it('a file camera applies the pixel limit of classify before decoding', async () => {
    await expect(fileCamera(path.join(work, 'bomb.png')).capture()).rejects.toThrow(/^bomb\.png is not a picture dermacam can read: the image is larger than the limit of 50 megapixels\.$/);
  });

  it('a folder camera refuses a pipe at once instead of hanging', async () => {
    const folder = path.join(work, 'pipes');
    mkdirSync(folder);
    execFileSync('mkfifo', [path.join(folder, 'x.jpg')]);
    await expect(folderCamera(folder).capture()).rejects.toThrow(/cannot be read: it is not a regular file/);
  });

  it('a corrupt still gets one sentence, not libvips text', async () => {
    const truncated = readFileSync(path.join(work, 'truncated.jpg'));
    // both handled at once: the second may be refused before the first is awaited
    const attempts = [checkedStill(truncated, '/dev/video0'), fileCamera(path.join(work, 'truncated.jpg')).capture()];
    for (const error of await Promise.all(attempts.map((attempt) => attempt.then(() => undefined, (caught: Error) => caught)))) {
      // two decodes at once share libvips's error buffer: one of them may get only "Unknown error", which reads as damaged
      expect(error?.message).toMatch(/^(The picture from \/dev\/video0 cannot be used|truncated\.jpg is not a picture dermacam can read): the image (file is truncated or corrupt|could not be decoded: it is damaged or not a picture)\.$/);
    }
    expect(await checkedStill(readFileSync(good), '/dev/video0')).toEqual(readFileSync(good));
  });
});
