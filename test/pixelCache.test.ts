import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAM10000_DETAIL, preprocessImage, type InputSpec } from '../src/classifier/preprocess.js';
import type { LabelledImage } from '../scripts/lib/datasets.js';
import { openPixelSet, pixelCacheKey, writePixelCache } from '../scripts/lib/pixelCache.js';
import { FIXTURES } from './helpers/paths.js';

const spec: InputSpec = { size: 96, detail: HAM10000_DETAIL, normalisation: 'mobilenet' };
const images: LabelledImage[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.jpg'))
  .slice(0, 3)
  .map((name, i) => ({ id: name, file: path.join(FIXTURES, name), label: i === 0 ? 'malignant' : 'benign', group: name }));

describe('the pixel cache that training reads', () => {
  it('holds exactly what the app feeds the model for the same picture', async () => {
    const dir = await writePixelCache(mkdtempSync(path.join(os.tmpdir(), 'dermacam-pixels-')), spec, { 'ham-train': images, 'ham-val': images }, () => {});
    const set = openPixelSet(dir, 'ham-val');
    expect(set.index.rows.map((row) => row.label)).toEqual([1, 0, 0]);
    for (const [i, image] of images.entries()) expect(set.input(i)).toEqual(await preprocessImage(image.file, spec));
    // training sets also get a JPEG re-compressed copy, close to the original but not the same
    const original = readFileSync(path.join(dir, 'ham-train.u8'));
    const recompressed = readFileSync(path.join(dir, 'ham-train.jpeg.u8'));
    expect(recompressed.length).toBe(original.length);
    expect(recompressed.equals(original)).toBe(false);
    const meanAbsDifference = original.reduce((sum, v, i) => sum + Math.abs(v - recompressed[i]!), 0) / original.length;
    expect(meanAbsDifference).toBeLessThan(8);
    expect(existsSync(path.join(dir, 'ham-val.jpeg.u8'))).toBe(false);
  });

  it('gives training sets a framed copy when the spec takes frames out: every picture in a frame, taken out as the app takes it out', async () => {
    const framing: InputSpec = { ...spec, frame: 'crop-and-fill' };
    const dir = await writePixelCache(mkdtempSync(path.join(os.tmpdir(), 'dermacam-pixels-')), framing, { 'ham-train': images, 'ham-val': images }, () => {});
    const train = openPixelSet(dir, 'ham-train');
    // the fixtures are camera-sized pictures without a frame of their own
    expect(train.index.rows.map((row) => row.framed)).toEqual([false, false, false]);
    for (const [i, image] of images.entries()) expect(train.input(i)).toEqual(await preprocessImage(image.file, framing));
    const original = readFileSync(path.join(dir, 'ham-train.u8'));
    const framedCopy = readFileSync(path.join(dir, 'ham-train.framed.u8'));
    expect(framedCopy.length).toBe(original.length);
    expect(framedCopy.equals(original)).toBe(false);
    // nothing of the painted black frame is left in the corners
    const perImage = spec.size * spec.size * 3;
    for (let i = 0; i < images.length; i++) expect(Math.max(...framedCopy.subarray(i * perImage, i * perImage + 3))).toBeGreaterThan(40);
    expect(existsSync(path.join(dir, 'ham-val.framed.u8'))).toBe(false);
    expect(pixelCacheKey(framing, { 'ham-val': images })).not.toBe(pixelCacheKey(spec, { 'ham-val': images }));
  });

  it('is named by the input spec and the image lists, so a change makes a new cache', () => {
    const key = pixelCacheKey(spec, { 'ham-val': images });
    expect(pixelCacheKey({ ...spec, size: 128 }, { 'ham-val': images })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': images.slice(1) })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': images.map((image) => ({ ...image, label: 'malignant' as const })) })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': [...images] })).toBe(key);
  });
});
