import sharp from 'sharp';
import { describeDecodeFailure, MAX_INPUT_PIXELS } from '../images.js';
import { CameraError } from './source.js';

/** Decoding a still refuses what `classify` refuses: damaged data, and pictures over the pixel limit. */
const openStill = (image: Buffer) => sharp(image, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, animated: false });

function unusable(camera: string, error: unknown): CameraError {
  return new CameraError(`The picture from ${camera} cannot be used: ${describeDecodeFailure(error)}`);
}

/** Any image as the JPEG still that a webcam would deliver. */
export async function stillAsJpeg(image: Buffer, camera: string): Promise<Buffer> {
  try {
    return await openStill(image).rotate().jpeg({ quality: 92 }).toBuffer();
  } catch (error) {
    throw unusable(camera, error);
  }
}

/** A webcam's JPEG, kept as it came, once it is known to decode completely. */
export async function checkedStill(jpeg: Buffer, camera: string): Promise<Buffer> {
  try {
    await openStill(jpeg).raw().toBuffer();
    return jpeg;
  } catch (error) {
    throw unusable(camera, error);
  }
}
