import path from 'node:path';
import sharp from 'sharp';
import { isBaselineJpeg } from '../imageHeader.js';
import { describeDecodeFailure, MAX_INPUT_PIXELS, plausiblePictureSize } from '../images.js';
import { withoutMetadata } from '../jpeg/metadata.js';
import { escapeControlCharacters } from '../text.js';
import { CameraError } from './source.js';

/**
 * Decoding a still refuses what `classify` refuses (src/classifier/preprocess.ts): data that libvips
 * decodes only with a warning (damaged: bit flips, a cut-short file), and pictures over the pixel limit.
 */
const openStill = (image: Buffer) => sharp(image, { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS, animated: false });

/** Refuses, before it is decoded, a picture that preprocessing would refuse for its shape (and no JPEG could hold past 65,500 pixels a side). */
async function refuseOddStill(image: Buffer): Promise<void> {
  await plausiblePictureSize(image, () => openStill(image).metadata());
}

/**
 * A picture as an upright JPEG with the least change to its pixels: quality 100, no chroma
 * subsampling. Its alpha channel is dropped, as preprocessing drops it, rather than flattened onto
 * black as the JPEG encoder would. sharp writes none of the picture's metadata (EXIF, XMP, IPTC,
 * ICC profile, comments) unless told to.
 */
async function encodeWithLeastChange(image: Buffer): Promise<Buffer> {
  await refuseOddStill(image);
  return openStill(image).rotate().removeAlpha().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

/** The picture, once every pixel of it has decoded; one 8-bit channel is kept, not all (16-bit RGBA of 50 megapixels is 400 MB). */
async function decodedCompletely(image: Buffer): Promise<Buffer> {
  await refuseOddStill(image);
  await openStill(image).extractChannel(0).raw({ depth: 'uchar' }).toBuffer();
  return image;
}

/** A JPEG that a PACS can be sent byte for byte (DICOM's JPEG Baseline) and that its EXIF orientation does not turn. */
const isUprightBaselineJpeg = async (image: Buffer) => isBaselineJpeg(image) && ((await openStill(image).metadata()).orientation ?? 1) === 1;

/** How a picture file is named in the camera's sentences: its name only (the header shows the camera's path), on one line. */
export const pictureName = (file: string) => escapeControlCharacters(path.basename(file));

/** A picture file that does not decode, in one sentence that names it: "photo3.jpg is not a picture dermacam can read: the image file is truncated or corrupt." */
export const unreadablePicture = (name: string, error: unknown) => new CameraError(`${name} is not a picture dermacam can read: ${describeDecodeFailure(error)}`);

/**
 * A picture file (the `file:` and `dir:` cameras) as the still that is classified and logged. A
 * JPEG that decodes completely, is upright and can go to a PACS as it is, is handed over without
 * its metadata (which may name the patient, the place or the camera) but with its image data byte
 * for byte, so the app answers what `classify` answers for the file. Encoding it again would not do:
 * preprocessing magnifies even a quality-100 re-encode's changes of a level or two (its JPEG step
 * at the training images' detail), which moved p(malignant) of the fixtures by up to 0.046 and
 * changed a label. Any other picture (PNG, WebP, a progressive JPEG, one to be turned upright) is
 * encoded with the least change to its pixels that JPEG allows; its answer may differ from its file's.
 * `name` is the file's name as the operator is told it (see `pictureName`).
 */
export async function fileStill(image: Buffer, name: string): Promise<Buffer> {
  try {
    return (await isUprightBaselineJpeg(image)) ? await decodedCompletely(withoutMetadata(image)) : await encodeWithLeastChange(image);
  } catch (error) {
    throw unreadablePicture(name, error);
  }
}

/** A webcam's JPEG, kept as it came, once it is known to decode completely. */
export async function checkedStill(jpeg: Buffer, camera: string): Promise<Buffer> {
  try {
    return await decodedCompletely(jpeg);
  } catch (error) {
    throw new CameraError(`The picture from ${camera} cannot be used: ${describeDecodeFailure(error)}`);
  }
}

/**
 * For a picture-file camera's live preview: the file's bytes, once they are known to decode as
 * strictly as its still would (completely: a check at the preview's size, where JPEG decodes at an
 * eighth of the size, passed a quarter of the bit-flipped copies that the still refuses); otherwise
 * the camera's one sentence naming the file, instead of the text libvips gives the preview's
 * renderer. The last verdict is kept, so the same picture again (the preview asks several times a
 * second) is decoded once, not for every frame.
 */
export function picturePreviews(): (image: Buffer, name: string) => Promise<Buffer> {
  let last: { image: Buffer; decodes: Promise<unknown> } | undefined;
  return async (image, name) => {
    const checked = last?.image.equals(image) ? last : { image, decodes: decodedCompletely(image) };
    checked.decodes.catch(() => undefined); // not unhandled while no one waits on it
    last = checked;
    try {
      await checked.decodes;
    } catch (error) {
      throw unreadablePicture(name, error);
    }
    return image;
  };
}
