import sharp from 'sharp';
import { isBaselineJpeg } from '../imageHeader.js';
import { describeDecodeFailure, MAX_INPUT_PIXELS } from '../images.js';
import { withoutMetadata } from '../jpeg/metadata.js';
import { CameraError } from './source.js';

/**
 * Decoding a still refuses what `classify` refuses (src/classifier/preprocess.ts): data that libvips
 * decodes only with a warning (damaged: bit flips, a cut-short file), and pictures over the pixel limit.
 */
const openStill = (image: Buffer) => sharp(image, { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS, animated: false });

/**
 * A picture as an upright JPEG with the least change to its pixels: quality 100, no chroma
 * subsampling. Its alpha channel is dropped, as preprocessing drops it, rather than flattened onto
 * black as the JPEG encoder would. sharp writes none of the picture's metadata (EXIF, XMP, IPTC,
 * ICC profile, comments) unless told to.
 */
const encodeWithLeastChange = (image: Buffer) => openStill(image).rotate().removeAlpha().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();

async function decodedCompletely(image: Buffer): Promise<Buffer> {
  await openStill(image).raw().toBuffer();
  return image;
}

/** A JPEG that a PACS can be sent byte for byte (DICOM's JPEG Baseline) and that its EXIF orientation does not turn. */
const isUprightBaselineJpeg = async (image: Buffer) => isBaselineJpeg(image) && ((await openStill(image).metadata()).orientation ?? 1) === 1;

async function usable(camera: string, still: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await still();
  } catch (error) {
    throw new CameraError(`The picture from ${camera} cannot be used: ${describeDecodeFailure(error)}`);
  }
}

/**
 * A picture file (the `file:` and `dir:` cameras) as the still that is classified and logged. A
 * JPEG that decodes completely, is upright and can go to a PACS as it is, is handed over without
 * its metadata (which may name the patient, the place or the camera) but with its image data byte
 * for byte, so the app answers what `classify` answers for the file. Encoding it again would not do:
 * preprocessing magnifies even a quality-100 re-encode's changes of a level or two (its JPEG step
 * at the training images' detail), which moved p(malignant) of the fixtures by up to 0.046 and
 * changed a label. Any other picture (PNG, WebP, a progressive JPEG, one to be turned upright) is
 * encoded with the least change to its pixels that JPEG allows; its answer may differ from its file's.
 */
export const fileStill = (image: Buffer, camera: string) =>
  usable(camera, async () => ((await isUprightBaselineJpeg(image)) ? decodedCompletely(withoutMetadata(image)) : encodeWithLeastChange(image)));

/** A webcam's JPEG, kept as it came, once it is known to decode completely. */
export const checkedStill = (jpeg: Buffer, camera: string) => usable(camera, () => decodedCompletely(jpeg));
