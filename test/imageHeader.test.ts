import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageSizeInHeader, isBaselineJpeg } from '../src/imageHeader.js';
import { FIXTURES } from './helpers/paths.js';

const fixture = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg'));
const picture = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#a07050' } });

describe('the pixel size in an image header', () => {
  it('reads what libvips reads from JPEGs (baseline, progressive, with EXIF) and PNGs', async () => {
    const images = [
      fixture,
      await picture(641, 479).jpeg({ progressive: true }).toBuffer(),
      await picture(300, 200).withMetadata({ orientation: 6 }).jpeg().toBuffer(),
      await picture(17, 9).png().toBuffer(),
      await picture(1280, 960).png({ palette: true }).toBuffer(),
    ];
    for (const image of images) {
      const { width, height } = await sharp(image).metadata();
      expect(imageSizeInHeader(image)).toEqual({ width, height });
    }
  });

  it('leaves other formats and damaged headers to libvips', async () => {
    expect(imageSizeInHeader(await picture(20, 10).webp().toBuffer())).toBeUndefined();
    expect(imageSizeInHeader(fixture.subarray(0, 40))).toBeUndefined(); // cut before its frame header
    expect(imageSizeInHeader(Buffer.from([0xff, 0xd8, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]))).toBeUndefined();
    expect(imageSizeInHeader(Buffer.alloc(0))).toBeUndefined();
    expect(imageSizeInHeader(Buffer.from('just some text, long enough to be read'))).toBeUndefined();
  });

  it("tells the JPEGs that DICOM's JPEG Baseline carries: baseline, grey or three-colour", async () => {
    expect(isBaselineJpeg(fixture)).toBe(true);
    expect(isBaselineJpeg(await picture(64, 48).greyscale().jpeg().toBuffer())).toBe(true);
    expect(isBaselineJpeg(await picture(64, 48).jpeg({ progressive: true }).toBuffer())).toBe(false);
    expect(isBaselineJpeg(await picture(64, 48).toColourspace('cmyk').jpeg().toBuffer())).toBe(false);
    expect(isBaselineJpeg(await picture(64, 48).png().toBuffer())).toBe(false);
    expect(isBaselineJpeg(fixture.subarray(0, 40))).toBe(false);
  });
});
