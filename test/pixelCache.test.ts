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

  it('is named by the input spec and the image lists, so a change makes a new cache', () => {
    const key = pixelCacheKey(spec, { 'ham-val': images });
    expect(pixelCacheKey({ ...spec, size: 128 }, { 'ham-val': images })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': images.slice(1) })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': images.map((image) => ({ ...image, label: 'malignant' as const })) })).not.toBe(key);
    expect(pixelCacheKey(spec, { 'ham-val': [...images] })).toBe(key);
  });
});
