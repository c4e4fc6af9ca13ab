import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { UserError } from '../errors.js';
import { describeDecodeFailure, MAX_INPUT_PIXELS, type RgbSquare } from '../images.js';
import { measureCentre, type QualityMeasures } from '../quality/measure.js';

/** How the model expects its input; stored in the model card so training and serving agree. */
export interface InputSpec {
  size: number;
  /**
   * How the training images showed a lesion: a centre square of `side` pixels, JPEG-compressed
   * (HAM10000: 150 pixels, quality about 75). A larger picture is brought to the same state
   * before the resize to `size`; at full detail, or without the JPEG step, the model calls
   * almost every camera-sized picture malignant (docs/RELIABILITY.md).
   */
  detail?: { side: number; jpeg_quality: number };
  /** `mobilenet`: RGB scaled to [-1, 1] with x / 127.5 - 1. */
  normalisation: 'mobilenet';
}

export const MOBILENET_INPUT: InputSpec = { size: 224, normalisation: 'mobilenet' };

/** A HAM10000 image (200x150 JPEG) has a centre square of 150 pixels; quality 75 matches its compression best. */
export const HAM10000_DETAIL = { side: 150, jpeg_quality: 75 };


/** A user-facing failure to read an image: the message is one sentence meant for the operator. */
export class ImageError extends UserError {}

/** A picture decoded once, for both of its uses. */
interface DecodedPicture<M> {
  /** The model's input: `size` x `size` RGB. */
  pixels: Uint8Array;
  /** What `measure` found in the centre square. */
  measures: M;
}

interface DecodeOptions {
  maxPixels?: number;
  detail?: InputSpec['detail'];
}

/**
 * Decodes an image (JPEG, PNG, WebP, ...), applies its EXIF orientation and crops its centre square.
 * A picture larger than the training images' detail is decoded once, to that detail: `measure` gets
 * that square (the quality gate's view, before the JPEG step) while the model's input is made from it,
 * JPEG-compressed and resized to `size`. A smaller picture (every training image) is resized to `size`
 * straight from the file, as in training.
 */
export function decodePicture<M>(input: string | Buffer, size: number, options: DecodeOptions & { measure: (centre: RgbSquare) => Promise<M> }): Promise<DecodedPicture<M>> {
  return refusingUndecodable(async () => {
    const { open, shortSide } = await openPicture(input, options);
    const centre = await squareOf(open(), centreSide(shortSide, size, options.detail));
    const modelInput = options.detail && shortSide > options.detail.side ? modelSquareOf(centre, size, options.detail) : squareOf(open(), size).then((square) => square.data);
    // side by side is safe: the measure starts from decoded pixels, which cannot fail, so libvips's
    // one error buffer is never written by two failing pipelines at once
    const [pixels, measures] = await Promise.all([modelInput, options.measure(centre)]);
    return { pixels, measures };
  });
}

/** The model's input pixels alone (the pixel cache of training), decoded as `decodePicture` decodes them. */
export function decodeSquareRgb(input: string | Buffer, size: number, options: DecodeOptions = {}): Promise<Uint8Array> {
  return refusingUndecodable(async () => {
    const { open, shortSide } = await openPicture(input, options);
    const { detail } = options;
    if (detail && shortSide > detail.side) return modelSquareOf(await squareOf(open(), detail.side), size, detail);
    return (await squareOf(open(), size)).data;
  });
}

/** The quality gate's centre square alone (fitting the gate's limits), decoded as `decodePicture` decodes it. */
function decodeCentre(input: string | Buffer, size: number, options: DecodeOptions = {}): Promise<RgbSquare> {
  return refusingUndecodable(async () => {
    const { open, shortSide } = await openPicture(input, options);
    return squareOf(open(), centreSide(shortSide, size, options.detail));
  });
}

/**
 * The quality gate's measures of a picture (any format sharp reads), on the centre square that
 * `decodePicture` gives for the model's input spec. Refuses what preprocessing refuses.
 */
export async function measureQuality(image: string | Buffer, spec: InputSpec): Promise<QualityMeasures> {
  return measureCentre(await decodeCentre(image, spec.size, { detail: spec.detail }));
}

/** A decoding failure as one sentence for the operator. */
async function refusingUndecodable<T>(decode: () => Promise<T>): Promise<T> {
  try {
    return await decode();
  } catch (error) {
    throw error instanceof ImageError ? error : new ImageError(describeDecodeFailure(error));
  }
}

async function openPicture(input: string | Buffer, { maxPixels = MAX_INPUT_PIXELS }: DecodeOptions): Promise<{ open: () => Sharp; shortSide: number }> {
  // libvips reports damaged data it decodes anyway (bit flips, a cut-short JPEG) only as a
  // warning; such a picture shows garbage, so it is refused. No HAM10000 or ISIC image warns.
  // a file is read once: libvips would otherwise open it twice, for its size and for its pixels
  const data = typeof input === 'string' ? await readFile(input) : input;
  const open = () => sharp(data, { limitInputPixels: maxPixels, failOn: 'warning', animated: false }).rotate();
  const { width = 0, height = 0 } = await open().metadata();
  return { open, shortSide: Math.min(width, height) };
}

/** The centre square's side: the training images' detail, or the model's size without one; never enlarged. */
const centreSide = (shortSide: number, size: number, detail: InputSpec['detail']) => Math.min(detail?.side ?? size, shortSide);

/** The centre square brought to the training images' state (JPEG at their quality), then to the model's size. */
async function modelSquareOf(centre: RgbSquare, size: number, detail: NonNullable<InputSpec['detail']>): Promise<Uint8Array> {
  // optimised Huffman tables would only shrink the bytes, which are decoded at once: the pixels are the same without them
  const compressed = await sharp(centre.data, { raw: { width: centre.side, height: centre.side, channels: 3 } }).jpeg({ quality: detail.jpeg_quality, optimiseCoding: false }).toBuffer();
  return (await squareOf(sharp(compressed), size)).data;
}

async function squareOf(image: Sharp, side: number): Promise<RgbSquare> {
  const { data, info } = await image.resize(side, side, { fit: 'cover', position: 'centre' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new ImageError(`the image decoded to ${info.channels} channels instead of 3.`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), side };
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
  return normalise(await decodeSquareRgb(input, spec.size, { detail: spec.detail }), spec);
}
