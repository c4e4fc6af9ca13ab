import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { UserError } from '../errors.js';
import { enlargeSquare } from '../resample/enlarge.js';
import { jpegRoundTrip } from '../jpeg/roundTrip.js';
import { cropToField } from './fieldCrop.js';
import { describeDecodeFailure, MAX_INPUT_PIXELS, plausiblePictureSize, type RgbSquare } from '../images.js';
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
  /**
   * `crop-and-fill`: a dark frame around the lesion is cut away and painted over before the
   * resize to `size` (src/classifier/fieldCrop.ts). Without it the picture goes in as it is.
   */
  frame?: 'crop-and-fill';
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
  frame?: InputSpec['frame'];
}

/**
 * Decodes an image (JPEG, PNG, WebP, ...), applies its EXIF orientation and crops its centre square.
 * A picture larger than the training images' detail is brought to their state: one libvips
 * pipeline decodes its centre square at that detail, and a kernel gives the pixels that square
 * has after a JPEG round trip at their quality. `measure` (the quality gate) gets that square, as
 * it sees a training image, and the model's input is that square enlarged to `size`. A smaller
 * picture (every training image) is resized to `size` straight from the file, as in training.
 */
export function decodePicture<M>(input: string | Buffer, size: number, options: DecodeOptions & { measure: (centre: RgbSquare) => M }): Promise<DecodedPicture<M>> {
  return refusingUndecodable(async () => {
    const picture = await openPicture(input, options);
    const centre = await centreOf(picture, size, options.detail);
    return { pixels: await modelInputOf(picture, centre, size, options), measures: options.measure(centre) };
  });
}

/** The model's input pixels alone (the pixel cache of training), decoded as `decodePicture` decodes them. */
export function decodeSquareRgb(input: string | Buffer, size: number, options: DecodeOptions = {}): Promise<Uint8Array> {
  return refusingUndecodable(async () => {
    const picture = await openPicture(input, options);
    const needsCentre = isAtDetail(picture, options.detail) || options.frame !== undefined;
    return modelInputOf(picture, needsCentre ? await centreOf(picture, size, options.detail) : null, size, options);
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

interface OpenPicture {
  open: () => Sharp;
  shortSide: number;
}

async function openPicture(input: string | Buffer, { maxPixels = MAX_INPUT_PIXELS }: DecodeOptions): Promise<OpenPicture> {
  // libvips reports damaged data it decodes anyway (bit flips, a cut-short JPEG) only as a
  // warning; such a picture shows garbage, so it is refused. No HAM10000 or ISIC image warns.
  const data = typeof input === 'string' ? await readFile(input) : input;
  const open = () => sharp(data, { limitInputPixels: maxPixels, failOn: 'warning', animated: false }).rotate();
  // turning does not change the shorter side
  const { width, height } = await plausiblePictureSize(data, () => open().metadata());
  return { open, shortSide: Math.min(width, height) };
}

/** Whether a picture is larger than the training images' detail, and so brought to it. */
const isAtDetail = (picture: OpenPicture, detail: InputSpec['detail']) => detail !== undefined && picture.shortSide > detail.side;

/**
 * The centre square the gate measures and the model's input is made from: at the training images'
 * detail and JPEG-compressed as they were, or without a detail the model's size; never enlarged.
 */
async function centreOf(picture: OpenPicture, size: number, detail: InputSpec['detail']): Promise<RgbSquare> {
  if (!isAtDetail(picture, detail)) return squareOf(picture.open(), Math.min(detail?.side ?? size, picture.shortSide));
  const { side, jpeg_quality: quality } = detail!;
  // bit for bit what sharp's JPEG encode and decode give, without a second libvips pipeline's start-up
  return jpegRoundTrip(await squareOf(picture.open(), side), quality);
}

/**
 * The model's input: the centre square without its frame (where the spec asks and there is one),
 * else the centre square at the training images' detail, else (every training image without a
 * frame) the picture resized to `size` straight from the file, as in training.
 */
async function modelInputOf(picture: OpenPicture, centre: RgbSquare | null, size: number, options: DecodeOptions): Promise<Uint8Array> {
  const withoutFrame = options.frame === 'crop-and-fill' && centre !== null ? cropToField(centre) : null;
  if (withoutFrame !== null) return modelSquareOf(withoutFrame, size);
  if (isAtDetail(picture, options.detail)) return modelSquareOf(centre!, size);
  return (await squareOf(picture.open(), size)).data;
}

/**
 * The centre square of a picture, as `decodePicture` takes it (what the gate measures), and, for the
 * training's framed copies (scripts/lib/pixelCache.ts), the model's input made from such a square
 * once a frame is painted on.
 */
export function decodeCentre(input: string | Buffer, size: number, options: DecodeOptions = {}): Promise<RgbSquare> {
  return refusingUndecodable(async () => centreOf(await openPicture(input, options), size, options.detail));
}

export function modelInputOfCentre(centre: RgbSquare, size: number, frame: InputSpec['frame']): Promise<Uint8Array> {
  return modelSquareOf((frame === 'crop-and-fill' && cropToField(centre)) || centre, size);
}

/** The model's input from a centre square at the training images' detail: enlarged as libvips would, without its pipeline's start-up. */
async function modelSquareOf(centre: RgbSquare, size: number): Promise<Uint8Array> {
  if (size >= centre.side) return enlargeSquare(centre, size);
  return (await squareOf(sharp(centre.data, { raw: { width: centre.side, height: centre.side, channels: 3 } }), size)).data;
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
  return normalise(await decodeSquareRgb(input, spec.size, { detail: spec.detail, frame: spec.frame }), spec);
}
