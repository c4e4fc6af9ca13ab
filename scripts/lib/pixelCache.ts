import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { cropToField } from '../../src/classifier/fieldCrop.js';
import { decodeCentre, decodeSquareRgb, modelInputOfCentre, normalise, type InputSpec } from '../../src/classifier/preprocess.js';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import { darkField } from './trainingArtefacts.js';
import type { ImageSet, LabelledImage } from './datasets.js';
import { createProgress } from './progress.js';

/**
 * The preprocessed training images, written once by the app's own preprocessing (sharp) so that
 * the PyTorch fine-tuning reads pixels prepared exactly as the app prepares a capture. One pair
 * of files per image set: `<set>.u8` (n x size x size x 3 RGB bytes) and `<set>.json` (the rows).
 * The folder's name is a hash of the input spec and the image lists, so a change to either makes
 * a new cache instead of reusing a stale one. Training sets also get `<set>.jpeg.u8`: the same
 * pixels JPEG-compressed once more at a quality between 30 and 70, as a webcam's stream would be.
 * Where the spec takes frames out (input.frame), training sets also get `<set>.framed.u8`: each
 * picture with a random dark field painted on, then taken out again as the app takes one out, so
 * that the fine-tuning can give pictures of both classes the look a real frame leaves; the rows
 * say which pictures had a frame of their own.
 */
export interface PixelCacheIndex {
  set: ImageSet;
  size: number;
  spec: InputSpec;
  rows: { id: string; file: string; label: 0 | 1; group: string; framed?: boolean }[];
}

export function pixelCacheKey(spec: InputSpec, sets: Partial<Record<ImageSet, LabelledImage[]>>): string {
  const hash = createHash('sha256').update(JSON.stringify({ preprocessing: 'decodeSquareRgb-v1', spec }));
  for (const [set, images] of Object.entries(sets).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(set);
    for (const image of images) hash.update(`${image.id}\t${image.file}\t${image.label}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

const CONCURRENCY = 4;

/** Writes every set not in the cache yet; returns the cache folder. */
export async function writePixelCache(
  cacheRoot: string,
  spec: InputSpec,
  sets: Partial<Record<ImageSet, LabelledImage[]>>,
  log: (line: string) => void,
): Promise<string> {
  const dir = path.join(cacheRoot, pixelCacheKey(spec, sets));
  mkdirSync(dir, { recursive: true });
  for (const [set, images] of Object.entries(sets) as [ImageSet, LabelledImage[]][]) {
    const started = Date.now();
    const decode = (image: LabelledImage) => decodeSquareRgb(image.file, spec.size, { detail: spec.detail, frame: spec.frame });
    const recompress = async (image: LabelledImage) => recompressed(await decode(image), spec.size, jpegQuality(image.id));
    const framedCopy = async (image: LabelledImage) => {
      const centre = await decodeCentre(image.file, spec.size, { detail: spec.detail });
      return modelInputOfCentre({ data: darkField(centre, seededRandom(idSeed(image.id))), side: centre.side }, spec.size, spec.frame);
    };
    const files: [string, string, typeof decode][] = [[`${set}.u8`, `pixels ${set}`, decode]];
    if (set.endsWith('-train')) files.push([`${set}.jpeg.u8`, `pixels ${set} (JPEG copy)`, recompress]);
    const withFramedCopy = set.endsWith('-train') && spec.frame !== undefined;
    if (withFramedCopy) files.push([`${set}.framed.u8`, `pixels ${set} (framed copy)`, framedCopy]);
    // each file is renamed into place when complete, so one that exists is whole
    const missing = files.filter(([file]) => !existsSync(path.join(dir, file)));
    if (missing.length === 0 && existsSync(path.join(dir, `${set}.json`))) continue;
    for (const [file, label, pixelsOf] of missing) await writePixelFile(path.join(dir, file), label, images, spec.size, pixelsOf);
    const index: PixelCacheIndex = {
      set,
      size: spec.size,
      spec,
      rows: images.map((image) => ({ id: image.id, file: image.file, label: image.label === 'malignant' ? 1 : 0, group: image.group })),
    };
    if (withFramedCopy) {
      const framed = await mapLimited(images, CONCURRENCY, async (image) => cropToField(await decodeCentre(image.file, spec.size, { detail: spec.detail })) !== null);
      index.rows.forEach((row, i) => (row.framed = framed[i]));
    }
    writeFileSync(path.join(dir, `${set}.json`), JSON.stringify(index));
    log(`pixel cache ${set}: ${images.length} images in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return dir;
}

async function writePixelFile(
  file: string,
  label: string,
  images: LabelledImage[],
  size: number,
  pixelsOf: (image: LabelledImage) => Promise<Uint8Array>,
): Promise<void> {
  const bytesPerImage = size * size * 3;
  const fd = openSync(`${file}.partial`, 'w');
  const progress = createProgress(label, images.length);
  try {
    for (let start = 0; start < images.length; start += CONCURRENCY * 8) {
      const chunk = images.slice(start, start + CONCURRENCY * 8);
      const pixels = await mapLimited(chunk, CONCURRENCY, pixelsOf);
      pixels.forEach((p, i) => writeSync(fd, p, 0, bytesPerImage, (start + i) * bytesPerImage));
      progress.tick(chunk.length);
    }
  } finally {
    closeSync(fd);
  }
  progress.finish();
  renameSync(`${file}.partial`, file);
}

/** A number fixed per image, so that a rebuilt cache is the same cache. */
const idSeed = (id: string) => createHash('sha256').update(id).digest().readUInt32LE(0);

/** The JPEG copies' qualities: one fixed per image, in this range. */
export const JPEG_COPY_QUALITY = { min: 30, max: 70 };
const jpegQuality = (id: string) => JPEG_COPY_QUALITY.min + (idSeed(id) % (JPEG_COPY_QUALITY.max - JPEG_COPY_QUALITY.min + 1));

async function recompressed(pixels: Uint8Array, size: number, quality: number): Promise<Uint8Array> {
  const raw = { width: size, height: size, channels: 3 as const };
  const jpeg = await sharp(pixels, { raw }).jpeg({ quality }).toBuffer();
  const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A cached set read back: its rows, and each row's pixels, as bytes and as the model's input (normalised like the app's). */
export interface CachedPixelSet {
  index: PixelCacheIndex;
  pixels(row: number): Uint8Array;
  input(row: number): Float32Array;
}

export function openPixelSet(dir: string, set: ImageSet): CachedPixelSet {
  const index = JSON.parse(readFileSync(path.join(dir, `${set}.json`), 'utf8')) as PixelCacheIndex;
  const bytes = readFileSync(path.join(dir, `${set}.u8`));
  const perImage = index.size * index.size * 3;
  const pixels = (row: number) => bytes.subarray(row * perImage, (row + 1) * perImage);
  return { index, pixels, input: (row) => normalise(pixels(row), index.spec) };
}

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(runners);
  return results;
}
