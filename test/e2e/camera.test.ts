import { mkdtempSync, mkdirSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { demoCamera } from '../../src/camera/demoCamera.js';
import { DEMO_LESIONS } from '../../src/camera/demoLesion.js';
import { fileCamera, folderCamera } from '../../src/camera/fileCameras.js';
import { openCamera } from '../../src/camera/openCamera.js';
import { isSafeDevice, webcam } from '../../src/camera/webcam.js';
import { FIXTURES } from '../helpers/paths.js';

const fixture = path.join(FIXTURES, 'ISIC_0024323.jpg');
const size = async (image: Buffer) => {
  const { width, height, format } = await sharp(image).metadata();
  return { width, height, format };
};

/** Mean absolute difference of two images at 32x32, 0..255. */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const small = (image: Buffer) => sharp(image).resize(32, 32, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [x, y] = await Promise.all([small(a), small(b)]);
  return x.reduce((sum, v, i) => sum + Math.abs(v - y[i]!), 0) / x.length;
}

describe('demo camera', () => {
  it('draws preview frames that move over time and a larger JPEG still', async () => {
    let t = 0;
    const camera = demoCamera(() => t);
    const first = await camera.previewFrame();
    t = 1500; // a quarter of the demo's 6-second loop
    const later = await camera.previewFrame();
    expect(await size(first)).toMatchObject({ width: 320, height: 240 });
    expect(await difference(first, later)).toBeGreaterThan(0.5);
    expect(await size(await camera.capture())).toEqual({ width: 640, height: 480, format: 'jpeg' });
  });

  it('shows several lesions in turn, six seconds each, the same picture at the same moment of its loop', async () => {
    let t = 0;
    const camera = demoCamera(() => t);
    const first = await camera.capture();
    t = 6000;
    const next = await camera.capture();
    expect(await difference(first, next)).toBeGreaterThan(3);
    t = 6000 * DEMO_LESIONS.length; // round again
    expect((await camera.capture()).equals(first)).toBe(true);
    expect((await demoCamera(() => 0).capture()).equals(first)).toBe(true);
  });
});

describe('file and folder cameras', () => {
  it('file: sees its image and captures it as JPEG', async () => {
    const camera = fileCamera(fixture);
    expect(await size(await camera.capture())).toEqual({ width: 600, height: 450, format: 'jpeg' });
    await expect(fileCamera('/nonexistent.jpg').previewFrame()).rejects.toThrow(/cannot be read/);
  });

  it('dir: moves through the images of a folder as time passes', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cam-'));
    copyFileSync(fixture, path.join(folder, 'a.jpg'));
    copyFileSync(path.join(FIXTURES, 'ISIC_0024358.jpg'), path.join(folder, 'b.jpg'));
    let t = 0;
    const camera = folderCamera(folder, 4, () => t);
    const a = await camera.capture();
    t = 4500;
    const b = await camera.capture();
    t = 8500;
    const again = await camera.capture();
    expect(await difference(a, b)).toBeGreaterThan(5);
    expect(await difference(a, again)).toBeLessThan(1);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cam-'));
    mkdirSync(path.join(empty, 'sub'));
    await expect(folderCamera(empty).previewFrame()).rejects.toThrow(/holds no images/);
  });

  it('rejects unknown camera specs', async () => {
    await expect(openCamera('rtsp://camera')).rejects.toThrow(/Unknown camera/);
  });
});

describe('webcam through node-webcam and fswebcam', () => {
  it('only passes device names without shell syntax', async () => {
    expect(isSafeDevice('/dev/video0')).toBe(true);
    expect(isSafeDevice('file:/tmp/a.jpg')).toBe(true);
    for (const bad of ['/dev/video0; rm -rf /', '/dev/video0 $(id)', 'file:/tmp/a b.jpg', '/dev/sda', 'file:/tmp/../etc/x', '`reboot`']) {
      expect(isSafeDevice(bad)).toBe(false);
      await expect(webcam(bad)).rejects.toThrow(/not a camera device name/);
    }
  });

  it("captures the picture of fswebcam's file source", async () => {
    const camera = await webcam(`file:${fixture}`);
    const still = await camera.capture();
    const preview = await camera.previewFrame();
    await camera.stop();
    expect((await size(still)).format).toBe('jpeg');
    expect(await difference(still, await sharp(fixture).toBuffer())).toBeLessThan(12);
    expect((await size(preview)).format).toBe('jpeg'); // the file source keeps the file's own size
  });

  it('says clearly when there is no picture (fswebcam exits 0 all the same)', async () => {
    const camera = await webcam('/dev/video97');
    await expect(camera.capture()).rejects.toThrow(/No picture from \/dev\/video97/);
    await camera.stop();
  });
});
