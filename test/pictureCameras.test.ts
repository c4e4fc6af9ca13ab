import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { fileCamera, FOLDER_RELIST_MS, folderCamera } from '../src/camera/fileCameras.js';
import { CameraError } from '../src/camera/source.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { FIXTURES } from './helpers/paths.js';

const fixtureA = path.join(FIXTURES, 'ISIC_0024323.jpg');
const fixtureB = path.join(FIXTURES, 'ISIC_0024358.jpg');
const work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-picture-cameras-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const newFolder = (name: string) => {
  const folder = path.join(work, name);
  mkdirSync(folder);
  return folder;
};
const failureOf = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error as Error);

describe('a dir: camera while it runs (issue 25, item 8)', () => {
  it('sees images copied into a folder that was empty when it started, and their removal', async () => {
    const folder = newFolder('arrivals');
    let t = 0;
    const camera = folderCamera(folder, 4, () => t);
    await expect(camera.previewFrame()).rejects.toThrow(/holds no images/);

    copyFileSync(fixtureA, path.join(folder, 'a.jpg'));
    t += FOLDER_RELIST_MS;
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true);
    expect((await camera.capture()).equals(readFileSync(fixtureA))).toBe(true);

    copyFileSync(fixtureB, path.join(folder, 'b.jpg'));
    t = 4000 + FOLDER_RELIST_MS; // the second picture's turn, after the next listing
    expect((await camera.previewFrame()).equals(readFileSync(fixtureB))).toBe(true);

    unlinkSync(path.join(folder, 'a.jpg'));
    t += FOLDER_RELIST_MS;
    for (const at of [t, t + 4000, t + 8000]) {
      t = at;
      expect((await camera.previewFrame()).equals(readFileSync(fixtureB))).toBe(true);
    }
    unlinkSync(path.join(folder, 'b.jpg'));
    t += FOLDER_RELIST_MS;
    await expect(camera.previewFrame()).rejects.toThrow(/holds no images/);
  });

  it('does not list the folder again for every frame, but an image removed before the next listing is not an error', async () => {
    const folder = newFolder('between-listings');
    copyFileSync(fixtureA, path.join(folder, 'a.jpg'));
    copyFileSync(fixtureB, path.join(folder, 'b.jpg'));
    const t = 0;
    const camera = folderCamera(folder, 4, () => t);
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true);
    copyFileSync(fixtureB, path.join(folder, '0-new.jpg')); // first by name, but not listed yet
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true);
    unlinkSync(path.join(folder, 'a.jpg')); // gone before the next listing: the camera lists at once and goes on
    expect((await camera.previewFrame()).equals(readFileSync(fixtureB))).toBe(true);
  });

  it('says in one sentence when its folder vanishes, and sees it again when it comes back', async () => {
    const folder = newFolder('unplugged');
    copyFileSync(fixtureA, path.join(folder, 'a.jpg'));
    let t = 0;
    const camera = folderCamera(folder, 4, () => t);
    await camera.previewFrame();
    renameSync(folder, `${folder}-away`);
    t += FOLDER_RELIST_MS;
    const error = await failureOf(camera.previewFrame());
    expect(error).toBeInstanceOf(CameraError);
    expect(error?.message).toBe(`The camera folder ${folder} is gone: it was moved or deleted, or its drive was unplugged.`);
    await expect(camera.capture()).rejects.toThrow(/is gone/); // asked again, not remembered as empty
    renameSync(`${folder}-away`, folder);
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true);

    const never = await failureOf(folderCamera(path.join(work, 'never-there')).previewFrame());
    expect(never).toBeInstanceOf(CameraError);
    expect(never?.message).toMatch(/^The camera folder .*never-there does not exist\.$/);
  });
});

describe('a corrupt picture in a dir: or file: camera (issue 25, item 8)', () => {
  const corrupt = () => {
    const folder = newFolder(`corrupt-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path.join(folder, 'photo3.jpg'), 'this is not a picture at all, just text with a .jpg name');
    const half = readFileSync(fixtureA);
    writeFileSync(path.join(folder, 'photo4.jpg'), half.subarray(0, half.length / 2));
    return folder;
  };

  it('is named in one sentence, from the preview and from a capture, not in libvips text', async () => {
    const folder = corrupt();
    let t = 0;
    const camera = folderCamera(folder, 4, () => t);
    for (const attempt of [() => camera.previewFrame(), () => camera.capture(), () => fileCamera(path.join(folder, 'photo3.jpg')).previewFrame(), () => fileCamera(path.join(folder, 'photo3.jpg')).capture()]) {
      const error = await failureOf(attempt());
      expect(error).toBeInstanceOf(CameraError);
      expect(error?.message).toBe('photo3.jpg is not a picture dermacam can read: the file is not an image in a supported format (JPEG, PNG, WebP, ...).');
    }
    t = 4000; // photo4.jpg: cut short, which libvips decodes with a warning only
    for (const attempt of [() => camera.previewFrame(), () => camera.capture(), () => fileCamera(path.join(folder, 'photo4.jpg')).previewFrame()]) {
      expect((await failureOf(attempt()))?.message).toMatch(/^photo4\.jpg is not a picture dermacam can read: the image (file is truncated or corrupt|could not be decoded: it is damaged or not a picture)\.$/);
    }
  });

  it('a missing file is named too, and a good picture still comes as it is', async () => {
    expect((await failureOf(fileCamera(path.join(work, 'nowhere', 'photo9.jpg')).previewFrame()))?.message).toBe('photo9.jpg cannot be read: the file does not exist.');
    const camera = fileCamera(fixtureA);
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true);
    expect((await camera.previewFrame()).equals(readFileSync(fixtureA))).toBe(true); // the kept verdict
  });
});

describe("a dir: camera's preview", () => {
  it('refuses exactly the bit-flipped pictures that its still refuses, so the problem shows before a capture', async () => {
    // large enough that JPEG's shrink-on-load would decode it at an eighth of its size: that check missed a quarter of these
    const jpeg = await sharp(fixtureA).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer();
    let at = 2;
    while (jpeg[at + 1] !== 0xda) at += 2 + jpeg.readUInt16BE(at + 2);
    const start = at + 2 + jpeg.readUInt16BE(at + 2);
    const end = jpeg.lastIndexOf(Buffer.from([0xff, 0xd9]));
    const random = seededRandom(25);
    const folder = newFolder('flipped');
    for (let i = 0; i < 30; i++) {
      const copy = Buffer.from(jpeg);
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) copy[start + Math.floor(random() * (end - start))]! ^= 1 << Math.floor(random() * 8);
      writeFileSync(path.join(folder, `flipped-${String(i).padStart(2, '0')}.jpg`), copy);
    }
    let t = 0;
    const camera = folderCamera(folder, 1, () => t);
    const preview: boolean[] = [];
    const still: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      t = i * 1000;
      preview.push(await camera.previewFrame().then(() => false, () => true));
      still.push(await camera.capture().then(() => false, () => true));
    }
    expect(still.filter(Boolean).length).toBeGreaterThan(0);
    expect(still.filter((refused) => !refused).length).toBeGreaterThan(0);
    expect(preview).toEqual(still);
  });
});
