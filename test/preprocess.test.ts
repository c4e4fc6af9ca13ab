import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeSquareRgb, ImageError, MOBILENET_INPUT, preprocessImage } from '../src/classifier/preprocess.js';
import { FIXTURES } from './helpers/paths.js';

const fixture = path.join(FIXTURES, 'ISIC_0024323.jpg');

describe('preprocessing', () => {
  it('turns a 600x450 fixture into 224x224x3 values in [-1, 1]', async () => {
    expect((await sharp(fixture).metadata()).width).toBe(600);
    const values = await preprocessImage(fixture, MOBILENET_INPUT);
    expect(values.length).toBe(224 * 224 * 3);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(0.5); // a real photo, not a flat image
  });

  it('maps 0 to -1 and 255 to 1', async () => {
    const black = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#000000' } }).png().toBuffer();
    const white = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
    expect((await preprocessImage(black, MOBILENET_INPUT)).every((v) => v === -1)).toBe(true);
    expect((await preprocessImage(white, MOBILENET_INPUT)).every((v) => v === 1)).toBe(true);
  });

  it('crops the centre square of a wide image', async () => {
    // left and right quarters red, centre half green: the centre square of 400x200 is all green
    const width = 400;
    const height = 200;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) pixels.set(x >= 100 && x < 300 ? [0, 255, 0] : [255, 0, 0], (y * width + x) * 3);
    const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const rgb = await decodeSquareRgb(png, 32);
    for (let i = 0; i < rgb.length; i += 3) {
      expect(rgb[i]).toBeLessThan(40); // resampling blurs a little red in at the very edge
      expect(rgb[i + 1]).toBeGreaterThan(200);
    }
  });

  it('applies the EXIF orientation', async () => {
    const upright = await sharp(readFileSync(fixture)).resize(200, 150).jpeg({ quality: 95 }).toBuffer();
    // store the pixels turned 90 degrees anticlockwise with EXIF orientation 6 ("rotate 90 clockwise to view")
    const turned = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(turned).metadata()).orientation).toBe(6);
    const a = await decodeSquareRgb(upright, 64);
    const b = await decodeSquareRgb(turned, 64);
    const ignoringOrientation = await sharp(turned).resize(64, 64, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    const meanDiff = (x: Uint8Array, y: Uint8Array) => x.reduce((sum, v, i) => sum + Math.abs(v - y[i]!), 0) / x.length;
    expect(meanDiff(a, b)).toBeLessThan(6);
    expect(meanDiff(a, new Uint8Array(ignoringOrientation))).toBeGreaterThan(meanDiff(a, b) * 2);
  });

  it('gives 3 channels for grayscale and RGBA input', async () => {
    const gray = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#808080' } }).grayscale().png().toBuffer();
    const rgba = await sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    expect((await decodeSquareRgb(gray, 16)).length).toBe(16 * 16 * 3);
    expect((await decodeSquareRgb(rgba, 16)).length).toBe(16 * 16 * 3);
  });

  it('refuses an image above the pixel limit with a clear message', async () => {
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#336699' } }).png().toBuffer();
    await expect(decodeSquareRgb(big, 224, { maxPixels: 1_000_000 })).rejects.toThrow(/larger than the limit/);
  });

  it('refuses files that are not images', async () => {
    await expect(decodeSquareRgb(Buffer.from('just some text'), 224)).rejects.toBeInstanceOf(ImageError);
    await expect(decodeSquareRgb(Buffer.alloc(0), 224)).rejects.toBeInstanceOf(ImageError);
  });
});
