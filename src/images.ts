import path from 'node:path';
import { imageSizeInHeader } from './imageHeader.js';

/** Square 8-bit RGB pixels, row by row. */
export interface RgbSquare {
  data: Uint8Array;
  side: number;
}

/** Larger images are refused before decoding instead of exhausting memory (about 8000x6000). */
export const MAX_INPUT_PIXELS = 50_000_000;

/**
 * A picture whose long side is more than this many times its short side is refused before it is
 * decoded. Lesion photos are 4:3 or 16:9, a panorama about 4:1; a picture of 50 megapixels that
 * is far longer (330000x151) made libvips hold over a gigabyte while it took the centre square,
 * against about 0.4 GB at 10:1, and past 85:1 it cannot even be a JPEG (65,500 pixels a side).
 */
export const MAX_ASPECT_RATIO = 10;

/** A picture refused for its shape; its message is the sentence fragment describeDecodeFailure gives. */
class ShapeRefused extends Error {}

/**
 * A picture's size before it is decoded, or its refusal where it is longer than MAX_ASPECT_RATIO
 * allows. The size of a JPEG or PNG comes from its header, without a libvips call; any other
 * picture's from `metadata` (libvips's, on the caller's own settings).
 */
export async function plausiblePictureSize(image: Uint8Array, metadata: () => Promise<{ width?: number; height?: number }>): Promise<{ width: number; height: number }> {
  const { width = 0, height = 0 } = imageSizeInHeader(image) ?? (await metadata());
  const [long, short] = [Math.max(width, height), Math.min(width, height)];
  if (short > 0 && long > MAX_ASPECT_RATIO * short) {
    throw new ShapeRefused(`the picture is ${width}x${height} pixels, one side more than ${MAX_ASPECT_RATIO} times the other, which no lesion photo's is.`);
  }
  return { width, height };
}

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** libvips's failure as a sentence fragment for the operator ("the image file is truncated or corrupt."). */
export function describeDecodeFailure(error: unknown): string {
  // match libvips/sharp's own wording only, never the file path that the message may contain; every
  // line counts, because libvips's error buffer is shared and may hold another decode's line first
  if (error instanceof ShapeRefused) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  if (/^Input file is missing|ENOENT/m.test(message)) return 'the file does not exist.';
  if (/exceeds pixel limit/i.test(message)) return `the image is larger than the limit of ${MAX_INPUT_PIXELS / 1e6} megapixels.`;
  if (/unsupported image format/i.test(message)) return 'the file is not an image in a supported format (JPEG, PNG, WebP, ...).';
  if (/^Input (buffer|file) is empty/im.test(message)) return 'the file is empty.';
  if (/premature end|truncated|corrupt|read error|invalid|improper|bogus|bad huffman|out of order read|unexpected end/i.test(message)) return 'the image file is truncated or corrupt.';
  if (/EISDIR/.test(message)) return 'it is a folder, not an image file.';
  return 'the image could not be decoded: it is damaged or not a picture.';
}
