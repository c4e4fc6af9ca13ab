import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fileStill, picturePreviews } from '../src/camera/still.js';
import { HAM10000_DETAIL, ImageError, MOBILENET_INPUT, preprocessImage } from '../src/classifier/preprocess.js';
import { MAX_ASPECT_RATIO } from '../src/images.js';

/** A flat PNG of this size: a few hundred bytes, however many pixels. */
const flatPng = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#a06040' } }).png().toBuffer();

const SHAPE_SENTENCE = new RegExp(`is 60000x60 pixels, one side more than ${MAX_ASPECT_RATIO} times the other`);

describe('a picture far longer than it is wide', () => {
  it('is refused by preprocessing, in one sentence, before libvips takes its centre square', async () => {
    const wide = await flatPng(60000, 60);
    await expect(preprocessImage(wide, { ...MOBILENET_INPUT, detail: HAM10000_DETAIL })).rejects.toThrow(ImageError);
    await expect(preprocessImage(wide, MOBILENET_INPUT)).rejects.toThrow(SHAPE_SENTENCE);
    await expect(preprocessImage(await flatPng(60, 60000), MOBILENET_INPUT)).rejects.toThrow(/is 60x60000 pixels/);
  });

  it('is refused by the picture cameras with the same sentence, not called damaged (no JPEG is 60000 pixels wide)', async () => {
    const wide = await flatPng(60000, 60);
    await expect(fileStill(wide, 'strip.png')).rejects.toThrow(SHAPE_SENTENCE);
    await expect(fileStill(wide, 'strip.png')).rejects.toThrow(/^strip\.png is not a picture dermacam can read: the picture is 60000x60 pixels/);
    await expect(picturePreviews()(wide, 'strip.png')).rejects.toThrow(SHAPE_SENTENCE);
  });

  it(`is still read at ${MAX_ASPECT_RATIO}:1, a panorama included`, async () => {
    const panorama = await flatPng(MAX_ASPECT_RATIO * 100, 100);
    expect((await preprocessImage(panorama, MOBILENET_INPUT)).length).toBe(224 * 224 * 3);
    expect((await sharp(await fileStill(panorama, 'panorama.png')).metadata()).width).toBe(MAX_ASPECT_RATIO * 100);
  });
});
