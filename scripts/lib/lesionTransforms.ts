import sharp from 'sharp';
import { fileCamera } from '../../src/camera/fileCameras.js';

/**
 * What can change about a picture of a lesion without changing the lesion: the frame around it
 * (a dermatoscope's round field, dark corners, vignetting), markings (a ruler, a surgical-pen
 * ring, a colour patch), the geometry (squash, zoom, off centre) and the camera (its JPEG, its
 * resolution, noise, white balance). A model that judges the lesion gives the same answer
 * through each. Every transform takes the decoded picture and returns a file's bytes: PNG (no
 * loss of its own) unless the transform is a JPEG.
 */
export interface Picture {
  /** RGB, 3 bytes a pixel, row by row. */
  data: Uint8Array;
  width: number;
  height: number;
  /** The file it came from: the camera route reads it as the app's file camera does. */
  file: string;
}

export type Transform = (picture: Picture, random: () => number) => Promise<Buffer>;
export type TransformGroup = 'frame' | 'markings' | 'geometry' | 'camera';

export async function readPicture(file: string): Promise<Picture> {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, file };
}

const raw = (p: Pick<Picture, 'width' | 'height'>) => ({ raw: { width: p.width, height: p.height, channels: 3 as const } });
const png = (p: Picture, data: Uint8Array = p.data) => sharp(data, raw(p)).png({ compressionLevel: 1 }).toBuffer();

/** A copy of the picture with `paint(x, y, rgb)` applied to every pixel, in place on `rgb`. */
function perPixel(p: Picture, paint: (x: number, y: number, rgb: Uint8Array) => void): Uint8Array {
  const out = Uint8Array.from(p.data);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) paint(x, y, out.subarray(3 * (y * p.width + x), 3 * (y * p.width + x) + 3));
  }
  return out;
}

/**
 * The pixels with black outside a circle of `radius` (a share of half the shorter side, so 1
 * touches the long edges), centred `offset` (shares of the shorter side) away from the picture's
 * centre, with a one-pixel soft edge as a real field has.
 */
export function paintDarkField(p: Pick<Picture, 'data' | 'width' | 'height'>, radius: number, offset: readonly [number, number] = [0, 0]): Uint8Array {
  const side = Math.min(p.width, p.height);
  const cx = p.width / 2 + offset[0] * side;
  const cy = p.height / 2 + offset[1] * side;
  const r = (radius * side) / 2;
  const out = Uint8Array.from(p.data);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const inside = Math.min(1, Math.max(0, r - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
      if (inside === 1) continue;
      const i = 3 * (y * p.width + x);
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(out[i + c]! * inside);
    }
  }
  return out;
}

const darkField = (radius: number, offset?: [number, number]): Transform => async (p) => png(p, paintDarkField(p, radius, offset));

/** Black corners only: a field whose circle reaches 90% of the way to the corners of the centre square. */
const blackCorners = darkField(0.9 * Math.SQRT2);

/** Light falling off towards the edges, to 45% at the corners, as a cheap lens shows it. */
const vignette: Transform = async (p) => {
  const [cx, cy] = [p.width / 2, p.height / 2];
  const farthest = Math.hypot(cx, cy);
  return png(p, perPixel(p, (x, y, rgb) => {
    const gain = 1 - 0.55 * (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / farthest) ** 2;
    for (let c = 0; c < 3; c++) rgb[c] = Math.round(rgb[c]! * gain);
  }));
};

const svgOver = (p: Picture, svg: string) =>
  sharp(p.data, raw(p)).composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}">${svg}</svg>`) }]).removeAlpha().png({ compressionLevel: 1 }).toBuffer();

/** A light scale bar with dark ticks along the bottom edge, a tenth of the height. */
const ruler: Transform = async (p) => {
  const bar = Math.max(4, Math.round(p.height / 10));
  const step = p.width / 25;
  const ticks = Array.from({ length: 25 }, (_, i) => `<rect x="${(i * step).toFixed(1)}" y="${p.height - bar}" width="${(step / 5).toFixed(1)}" height="${(bar * (i % 5 === 0 ? 0.7 : 0.4)).toFixed(1)}" fill="#1a1a1a"/>`);
  return svgOver(p, `<rect x="0" y="${p.height - bar}" width="${p.width}" height="${bar}" fill="#e6e2d6"/>${ticks.join('')}`);
};

/** A surgical-pen ring (violet) around the centre, 0.75 of half the shorter side across. */
const inkRing: Transform = async (p) => {
  const side = Math.min(p.width, p.height);
  return svgOver(p, `<ellipse cx="${p.width / 2}" cy="${p.height / 2}" rx="${0.4 * side}" ry="${0.36 * side}" fill="none" stroke="#5a3a8c" stroke-width="${Math.max(2, side / 50).toFixed(1)}"/>`);
};

/** A colour-calibration card (six patches) in the top left corner of the centre square. */
const colourPatch: Transform = async (p) => {
  const side = Math.min(p.width, p.height);
  const [left, top] = [(p.width - side) / 2, (p.height - side) / 2];
  const cell = side / 16;
  const colours = ['#c03030', '#30a040', '#3050c0', '#f0d020', '#ffffff', '#808080'];
  return svgOver(p, colours.map((c, i) => `<rect x="${(left + (i % 3) * cell).toFixed(1)}" y="${(top + Math.floor(i / 3) * cell).toFixed(1)}" width="${cell.toFixed(1)}" height="${cell.toFixed(1)}" fill="${c}"/>`).join(''));
};

/** The width (or height) scaled by 3/4: a picture squashed by a wrong aspect ratio. */
const squash = (axis: 'width' | 'height'): Transform => async (p) =>
  sharp(p.data, raw(p)).resize(axis === 'width' ? Math.round(p.width * 0.75) : p.width, axis === 'height' ? Math.round(p.height * 0.75) : p.height, { fit: 'fill' }).png({ compressionLevel: 1 }).toBuffer();

/** Zoomed in (`factor` > 1: the centre enlarged) or out (< 1: the picture shrunk, the skin around it mirrored). */
const zoom = (factor: number): Transform => async (p) => {
  if (factor > 1) {
    const [w, h] = [Math.round(p.width / factor), Math.round(p.height / factor)];
    return sharp(p.data, raw(p)).extract({ left: Math.round((p.width - w) / 2), top: Math.round((p.height - h) / 2), width: w, height: h }).resize(p.width, p.height, { fit: 'fill' }).png({ compressionLevel: 1 }).toBuffer();
  }
  const [w, h] = [Math.round(p.width * factor), Math.round(p.height * factor)];
  const shrunk = await sharp(p.data, raw(p)).resize(w, h, { fit: 'fill' }).raw().toBuffer();
  const [left, top] = [Math.floor((p.width - w) / 2), Math.floor((p.height - h) / 2)];
  return sharp(shrunk, raw({ width: w, height: h })).extend({ left, right: p.width - w - left, top, bottom: p.height - h - top, extendWith: 'mirror' }).png({ compressionLevel: 1 }).toBuffer();
};

/** The lesion 15% of the width off centre: the picture shifted right, the skin mirrored in on the left. */
const offCentre: Transform = async (p) => {
  const shift = Math.round(0.15 * p.width);
  const extended = await sharp(p.data, raw(p)).extend({ left: shift, extendWith: 'mirror' }).raw().toBuffer();
  return sharp(extended, raw({ width: p.width + shift, height: p.height })).extract({ left: 0, top: 0, width: p.width, height: p.height }).png({ compressionLevel: 1 }).toBuffer();
};

const jpeg = (quality: number): Transform => async (p) => sharp(p.data, raw(p)).jpeg({ quality }).toBuffer();

/** Down to half the size and back up: a camera with half the resolution. */
const halfResolution: Transform = async (p) => {
  const small = await sharp(p.data, raw(p)).resize(Math.round(p.width / 2), Math.round(p.height / 2), { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return sharp(small.data, raw(small.info)).resize(p.width, p.height, { fit: 'fill' }).png({ compressionLevel: 1 }).toBuffer();
};

/** Gaussian noise of standard deviation `sigma` levels on every pixel and channel, clipped to 0..255. */
export function withGaussianNoise(data: Uint8Array, sigma: number, random: () => number): Uint8Array {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Uint8Array.from(data, (v) => Math.max(0, Math.min(255, Math.round(v + sigma * normal()))));
}

/** Gaussian sensor noise, standard deviation 8 levels on each channel. */
const sensorNoise: Transform = async (p, random) => png(p, withGaussianNoise(p.data, 8, random));

/** Warm light that the white balance did not correct: red up 12%, blue down 15%. */
const whiteBalance: Transform = async (p) => png(p, perPixel(p, (_, __, rgb) => {
  rgb[0] = Math.min(255, Math.round(rgb[0]! * 1.12));
  rgb[2] = Math.round(rgb[2]! * 0.85);
}));

/** The app's own `file:` camera on the original file: what a capture of it hands the classifier. */
const cameraRoute: Transform = async (p) => fileCamera(p.file).capture();

export interface NamedTransform {
  name: string;
  group: TransformGroup;
  apply: Transform;
}

export const TRANSFORMS: readonly NamedTransform[] = [
  { name: 'black circular field, radius 1.0', group: 'frame', apply: darkField(1) },
  { name: 'black circular field, radius 0.85', group: 'frame', apply: darkField(0.85) },
  { name: 'black circular field, radius 0.9, off centre (10%, 5%)', group: 'frame', apply: darkField(0.9, [0.1, 0.05]) },
  { name: 'black corners only', group: 'frame', apply: blackCorners },
  { name: 'soft radial vignette', group: 'frame', apply: vignette },
  { name: 'ruler at the bottom edge', group: 'markings', apply: ruler },
  { name: 'surgical-pen ink ring', group: 'markings', apply: inkRing },
  { name: 'colour-calibration patch in a corner', group: 'markings', apply: colourPatch },
  { name: 'aspect squash 3:4 (width x 0.75)', group: 'geometry', apply: squash('width') },
  { name: 'aspect squash 4:3 (height x 0.75)', group: 'geometry', apply: squash('height') },
  { name: 'zoom 0.7x (skin mirrored around)', group: 'geometry', apply: zoom(0.7) },
  { name: 'zoom 1.4x', group: 'geometry', apply: zoom(1.4) },
  { name: 'lesion 15% off centre', group: 'geometry', apply: offCentre },
  { name: "the app's file camera on the original file", group: 'camera', apply: cameraRoute },
  { name: 'webcam-like re-encode (JPEG quality 90)', group: 'camera', apply: jpeg(90) },
  { name: 'JPEG quality 30', group: 'camera', apply: jpeg(30) },
  { name: 'half resolution and back', group: 'camera', apply: halfResolution },
  { name: 'sensor noise (sigma 8)', group: 'camera', apply: sensorNoise },
  { name: 'white-balance shift (warm)', group: 'camera', apply: whiteBalance },
];
