import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fileStill } from '../src/camera/still.js';
import { fileCamera, folderCamera } from '../src/camera/fileCameras.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { isBaselineJpeg } from '../src/imageHeader.js';
import { hostileImages } from './helpers/hostileImages.js';
import { FIXTURES, SHIPPED_MODEL } from './helpers/paths.js';

const fixtureFile = path.join(FIXTURES, 'ISIC_0024323.jpg');
const fixture = readFileSync(fixtureFile);
const card = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
const CAMERA = 'file test';

/** The steps of all quantisation tables of a JPEG (8-bit DQT segments, which libjpeg writes up to quality 100). */
function quantisationSteps(jpeg: Buffer): number[] {
  const steps: number[] = [];
  for (let at = 2; jpeg[at + 1] !== 0xda; at += 2 + jpeg.readUInt16BE(at + 2)) {
    if (jpeg[at + 1] !== 0xdb) continue;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    for (let table = at + 4; table < end; table += 65) steps.push(...jpeg.subarray(table + 1, table + 65));
  }
  return steps;
}

/** Mean and largest absolute difference of two images' pixels, as sharp decodes them (RGB, alpha dropped). */
async function pixelDifference(a: Buffer, b: Buffer): Promise<{ mean: number; max: number }> {
  const rgb = (image: Buffer) => sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const [x, y] = await Promise.all([rgb(a), rgb(b)]);
  expect(x.length).toBe(y.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const gap = Math.abs(x[i]! - y[i]!);
    sum += gap;
    max = Math.max(max, gap);
  }
  return { mean: sum / x.length, max };
}

describe('stills from picture files', () => {
  it('are the file itself when it is an upright baseline JPEG, from a file: and a dir: camera', async () => {
    expect((await fileCamera(fixtureFile).capture()).equals(fixture)).toBe(true);
    const first = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg')); // the first fixture by name
    expect((await folderCamera(FIXTURES, 4, () => 0).capture()).equals(first)).toBe(true);
    const grey = await sharp(fixture).greyscale().jpeg().toBuffer();
    expect((await fileStill(grey, CAMERA)).equals(grey)).toBe(true);
  });

  it('encode a PNG at JPEG quality 100 without chroma subsampling, the least change JPEG allows', async () => {
    const png = await sharp(fixture).png().toBuffer();
    const still = await fileStill(png, CAMERA);
    expect(isBaselineJpeg(still)).toBe(true);
    expect((await sharp(still).metadata()).chromaSubsampling).toBe('4:4:4');
    const steps = quantisationSteps(still);
    expect(steps).toHaveLength(128); // a luma and a chroma table
    expect(new Set(steps)).toEqual(new Set([1])); // quality 100: every step 1
    const { mean, max } = await pixelDifference(still, png);
    expect(mean).toBeLessThan(0.2);
    expect(max).toBeLessThanOrEqual(4);
  });

  it('turn a JPEG upright by its EXIF orientation, and encode a progressive JPEG as baseline, so that a PACS can take it', async () => {
    const turned = await sharp(fixture).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    const upright = await fileStill(turned, CAMERA);
    const { width, height, orientation, chromaSubsampling } = await sharp(upright).metadata();
    expect({ width, height, orientation, chromaSubsampling }).toEqual({ width: 600, height: 450, orientation: undefined, chromaSubsampling: '4:4:4' });
    expect((await pixelDifference(upright, await sharp(turned).rotate().png().toBuffer())).mean).toBeLessThan(0.2);

    const progressive = await sharp(fixture).jpeg({ progressive: true }).toBuffer();
    expect(isBaselineJpeg(progressive)).toBe(false);
    expect(isBaselineJpeg(await fileStill(progressive, CAMERA))).toBe(true);
  });

  it("drop a PNG's alpha channel as preprocessing does, instead of flattening it onto black", async () => {
    const { data, info } = await sharp(fixture).ensureAlpha(0.3).raw().toBuffer({ resolveWithObject: true });
    const translucent = await sharp(data, { raw: info }).png().toBuffer();
    expect((await pixelDifference(await fileStill(translucent, CAMERA), translucent)).mean).toBeLessThan(0.2);
  });

  it('refuse damaged data as classify refuses it, hostile pictures included', async () => {
    // a marker in the middle of the scan, as a flipped bit can make: libvips decodes it with a warning only
    const damaged = Buffer.from(fixture);
    damaged.set([0xff, 0xd0], Math.floor(fixture.length / 2));
    await expect(sharp(damaged, { failOn: 'error' }).raw().toBuffer()).resolves.toBeDefined();
    await expect(preprocessImage(damaged, card.input)).rejects.toThrow(/^the image file is truncated or corrupt\.$/);
    await expect(fileStill(damaged, CAMERA)).rejects.toThrow(/^The picture from file test cannot be used: the image file is truncated or corrupt\.$/);

    for (const { name, bytes } of await hostileImages()) {
      const refused = async (work: Promise<unknown>) => work.then(() => false, () => true);
      expect(await refused(fileStill(bytes, CAMERA)), name).toBe(await refused(preprocessImage(bytes, card.input)));
    }
  });
});
