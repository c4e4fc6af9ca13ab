import sharp from 'sharp';
import { UserError } from '../errors.js';

/** How the model expects its input; stored in the model card so training and serving agree. */
export interface InputSpec {
  size: number;
  /** `mobilenet`: RGB scaled to [-1, 1] with x / 127.5 - 1. */
  normalisation: 'mobilenet';
}

export const MOBILENET_INPUT: InputSpec = { size: 224, normalisation: 'mobilenet' };

/** Larger images are refused before decoding instead of exhausting memory (about 8000x6000). */
export const MAX_INPUT_PIXELS = 50_000_000;

/** A user-facing failure to read an image: the message is one sentence meant for the operator. */
export class ImageError extends UserError {}

/**
 * Decodes an image (JPEG, PNG, WebP, ...), applies its EXIF orientation, crops the centre
 * square and resizes it to `size` x `size` RGB. Returns the raw 8-bit pixels.
 */
export async function decodeSquareRgb(
  input: string | Buffer,
  size: number,
  maxPixels = MAX_INPUT_PIXELS,
): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', animated: false })
      .rotate()
      .resize(size, size, { fit: 'cover', position: 'centre' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError(`the image decoded to ${info.channels} channels instead of 3.`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw new ImageError(describeDecodeFailure(error));
  }
}

function describeDecodeFailure(error: unknown): string {
  if (error instanceof ImageError) return error.message;
  // match libvips/sharp's own wording only, never the file path that the message may contain
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  if (/^Input file is missing|ENOENT/.test(message)) return 'the file does not exist.';
  if (/exceeds pixel limit/i.test(message)) return `the image is larger than the limit of ${MAX_INPUT_PIXELS / 1e6} megapixels.`;
  if (/unsupported image format/i.test(message)) return 'the file is not an image in a supported format (JPEG, PNG, WebP, ...).';
  if (/^Input (buffer|file) is empty/i.test(message)) return 'the file is empty.';
  if (/premature end|truncated|corrupt|read error|invalid|improper|bogus|bad huffman/i.test(message)) return 'the image file is truncated or corrupt.';
  if (/EISDIR/.test(message)) return 'it is a folder, not an image file.';
  return `the image could not be decoded (${message}).`;
}

/** Turns 8-bit RGB pixels into the float values the model was trained on. */
export function normalise(pixels: Uint8Array, spec: InputSpec): Float32Array {
  if (spec.normalisation !== 'mobilenet') throw new ImageError(`unknown input normalisation ${String(spec.normalisation)}.`);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 127.5 - 1;
  return out;
}

/** The single preprocessing path shared by training, evaluation and the app. */
export async function preprocessImage(input: string | Buffer, spec: InputSpec): Promise<Float32Array> {
  return normalise(await decodeSquareRgb(input, spec.size), spec);
}
