import sharp from 'sharp';
import { cellEdges, fractalNoise, gaussian, seededRandom, smoothstep } from './demoNoise.js';

/**
 * The demo camera's synthetic lesions: close-ups of skin with a pigmented lesion, painted
 * procedurally from a seed (no photograph, no patient data). Each is painted once into a
 * "scene" a little larger than the picture; a frame is a window of the scene, moved a little as
 * a hand-held camera drifts, with a camera's brightness flicker (and, in stills, sensor noise).
 * Painting is the slow part (about 20 ms on a desktop core); a frame is cheap.
 */

type Rgb = readonly [number, number, number];

/** What sets one demo lesion apart from another; the rest (its outline, blotches, hairs) comes from `seed`. */
export interface LesionLook {
  seed: number;
  skin: Rgb;
  /** The lesion's colour at its pale rim and in its darkest parts. */
  light: Rgb;
  dark: Rgb;
  /** Radius as a share of the picture's height; `elongation` (at least 1) stretches one axis. */
  radius: number;
  elongation: number;
  /** How far the outline departs from an ellipse (0 a smooth ellipse). */
  irregularity: number;
  /** Strength of the brown network, 0..1. */
  network: number;
  globules: number;
  /** A blue-grey patch, 0 (none)..1. */
  veil: number;
  hairs: number;
}

/**
 * The lesions the demo shows in turn: a naevus with a brown network, an irregular dark lesion
 * with globules and a blue-grey patch, a small pale one, and one on more tanned skin. They look
 * like the dermoscopic close-ups the model learnt from (the shipped model's "not a lesion"
 * distance of their stills: 17-21, where the card's threshold is 23.3 and its val images' median
 * about 17), so that the demo's captures are judged; the model knows nothing of them.
 */
export const DEMO_LESIONS: readonly LesionLook[] = [
  { seed: 11, skin: [222, 168, 170], light: [190, 120, 110], dark: [110, 58, 52], radius: 0.27, elongation: 1.2, irregularity: 0.5, network: 0.6, globules: 6, veil: 0, hairs: 3 },
  { seed: 25, skin: [222, 168, 170], light: [176, 104, 98], dark: [100, 55, 60], radius: 0.25, elongation: 1.35, irregularity: 1, network: 0.4, globules: 14, veil: 0.7, hairs: 6 },
  { seed: 37, skin: [228, 178, 176], light: [200, 136, 120], dark: [140, 80, 70], radius: 0.22, elongation: 1.1, irregularity: 0.3, network: 0.8, globules: 2, veil: 0, hairs: 0 },
  { seed: 41, skin: [200, 150, 135], light: [160, 105, 85], dark: [85, 52, 45], radius: 0.27, elongation: 1.2, irregularity: 0.5, network: 0.6, globules: 6, veil: 0, hairs: 3 },
];

/** A painted scene: RGB, 3 bytes a pixel, row by row. */
export interface DemoScene {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where the lesion's soft edge ends, in units of its outline. */
const OUTER_EDGE = 1.12;

/** A dark, slightly blurred spot to paint (globule) or a point of a hair. */
interface Spot {
  x: number;
  y: number;
  radius: number;
  strength: number;
}

/** Paints `look` into a `width` x `height` scene; the lesion sits at its centre. */
export function paintScene(look: LesionLook, width: number, height: number): DemoScene {
  const random = seededRandom(look.seed);
  const size = height;
  const cx = width / 2 + (random() - 0.5) * size * 0.04;
  const cy = height / 2 + (random() - 0.5) * size * 0.04;
  const angle = random() * Math.PI;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const semiMajor = look.radius * size * Math.sqrt(look.elongation);
  const semiMinor = (look.radius * size) / Math.sqrt(look.elongation);
  // the outline: a few lobes, and a fractal warp of the plane for a ragged edge
  const lobes = [2, 3, 4, 5, 7].map((k) => ({ k, amplitude: (look.irregularity * (0.06 + random() * 0.08)) / Math.sqrt(k), phase: random() * 2 * Math.PI }));
  const warpX = fractalNoise(random, size * 0.12, 4, width, height);
  const warpY = fractalNoise(random, size * 0.12, 4, width, height);
  const warp = look.radius * size * 0.25 * (0.4 + look.irregularity);
  // skin: low-frequency mottling, fine texture, furrows, faint redness
  const mottling = fractalNoise(random, size * 0.3, 3, width, height);
  const texture = fractalNoise(random, size * 0.02, 2, width, height);
  const furrows = fractalNoise(random, size * 0.09, 3, width, height);
  const redness = fractalNoise(random, size * 0.15, 3, width, height);
  const freckles = fractalNoise(random, size * 0.03, 2, width, height);
  // pigment: blotches, the network's mesh, the veil
  const blotches = fractalNoise(random, size * 0.1, 3, width, height);
  const mesh = cellEdges(random, size * 0.03, width, height);
  const veil = fractalNoise(random, size * 0.18, 2, width, height);
  const patchiness = fractalNoise(random, size * 0.08, 2, width, height);
  const spots: Spot[] = [];
  for (let g = 0; g < look.globules; g++) {
    const a = random() * 2 * Math.PI;
    const r = 0.35 + random() * 0.6;
    const x = Math.cos(a) * r * semiMajor;
    const y = Math.sin(a) * r * semiMinor;
    spots.push({ x: cx + x * cos - y * sin, y: cy + x * sin + y * cos, radius: size * (0.008 + random() * 0.012), strength: 0.5 + random() * 0.4 });
  }
  const globuleMap = new Float32Array(width * height);
  for (const spot of spots) stamp(globuleMap, width, height, spot);
  const hairMap = new Float32Array(width * height);
  for (let h = 0; h < look.hairs; h++) hair(hairMap, width, height, random, size);

  const data = new Uint8Array(width * height * 3);
  const pixel: [number, number, number] = [0, 0, 0];
  const halfDiagonal = Math.hypot(width / 2, height / 2);
  // beyond this distance from the centre no warp or lobe can bring a pixel inside the outline's soft edge
  const lobeSum = lobes.reduce((sum, lobe) => sum + lobe.amplitude, 0);
  const reach = OUTER_EDGE * (1 + lobeSum) * Math.max(semiMajor, semiMinor) + warp * Math.SQRT2;
  const reach2 = reach * reach;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // skin
      const k = y * width + x;
      const fine = texture[k]!;
      const furrow = Math.max(0, 1 - Math.abs(furrows[k]!) * 6);
      const red = Math.max(0, redness[k]!);
      const freckle = smoothstep(0.3, 0.65, freckles[k]!) * 0.06;
      const shade = 1 + 0.05 * mottling[k]! + 0.035 * fine - 0.04 * furrow * furrow - 0.5 * freckle;
      pixel[0] = look.skin[0] * shade + 10 * red;
      pixel[1] = look.skin[1] * shade - 6 * red - 40 * freckle;
      pixel[2] = look.skin[2] * shade - 2 * red - 60 * freckle;
      if ((x - cx) ** 2 + (y - cy) ** 2 <= reach2) {
        // the lesion: distance from the centre against the outline at that angle (1 on the outline)
        const shiftX = warp * warpX[k]!;
        const shiftY = warp * warpY[k]!;
        const wx = x + shiftX - cx;
        const wy = y + shiftY - cy;
        const u = (wx * cos + wy * sin) / semiMajor;
        const v = (-wx * sin + wy * cos) / semiMinor;
        const theta = Math.atan2(v, u);
        let outline = 1;
        for (const lobe of lobes) outline += lobe.amplitude * Math.cos(lobe.k * theta + lobe.phase);
        const d = Math.hypot(u, v) / outline;
        const blotch = blotches[k]!;
        const cover = 1 - smoothstep(0.78 + 0.1 * blotch, OUTER_EDGE, d);
        if (cover > 0) {
          // darker towards the middle and in blotches; the network's mesh between the rim and the middle
          const depth = Math.min(Math.max(0.15 + 0.55 * (1 - d) + 0.9 * blotch, 0), 1);
          const ring = smoothstep(0.15, 0.5, d) * (1 - smoothstep(0.85, 1.05, d));
          const net = ring > 0 ? look.network * ring * smoothstep(-0.5, 0.3, patchiness[k]!) * mesh.at(x + 0.3 * shiftY, y + 0.3 * shiftX) * 0.45 : 0;
          const t = Math.min(depth + net, 1);
          let r = look.light[0] + (look.dark[0] - look.light[0]) * t;
          let g = look.light[1] + (look.dark[1] - look.light[1]) * t;
          let b = look.light[2] + (look.dark[2] - look.light[2]) * t;
          if (look.veil > 0) {
            const grey = 0.6 * look.veil * smoothstep(0.05, 0.5, veil[k]!) * (1 - smoothstep(0.4, 0.9, d));
            r += (128 - r) * grey;
            g += (118 - g) * grey;
            b += (140 - b) * grey;
          }
          const speckle = 1 + 0.06 * fine;
          pixel[0] += (r * speckle - pixel[0]) * cover;
          pixel[1] += (g * speckle - pixel[1]) * cover;
          pixel[2] += (b * speckle - pixel[2]) * cover;
        }
      }
      // globules: dots of the lesion's darkest brown; hairs darken what lies under them
      const globule = globuleMap[k]!;
      if (globule > 0) {
        pixel[0] += (look.dark[0] * 0.85 - pixel[0]) * globule;
        pixel[1] += (look.dark[1] * 0.85 - pixel[1]) * globule;
        pixel[2] += (look.dark[2] * 0.85 - pixel[2]) * globule;
      }
      // the light falls off towards the corners
      const distance2 = ((x - width / 2) ** 2 + (y - height / 2) ** 2) / (halfDiagonal * halfDiagonal);
      const light = (1 - hairMap[k]!) * (1 - 0.2 * distance2);
      data[3 * k] = Math.min(255, Math.max(0, pixel[0] * light));
      data[3 * k + 1] = Math.min(255, Math.max(0, pixel[1] * light));
      data[3 * k + 2] = Math.min(255, Math.max(0, pixel[2] * light));
    }
  }
  return { width, height, data };
}

/** Adds a soft round spot to `map` (0 none .. 1 black), keeping the darker of overlapping ones. */
function stamp(map: Float32Array, width: number, height: number, { x, y, radius, strength }: Spot): void {
  const reach = Math.ceil(radius * 2);
  for (let py = Math.max(0, Math.floor(y - reach)); py < Math.min(height, Math.ceil(y + reach)); py++) {
    for (let px = Math.max(0, Math.floor(x - reach)); px < Math.min(width, Math.ceil(x + reach)); px++) {
      const d2 = ((px - x) ** 2 + (py - y) ** 2) / (radius * radius);
      const value = strength * Math.exp(-d2);
      const k = py * width + px;
      if (value > map[k]!) map[k] = value;
    }
  }
}

/** A hair: a thin dark curve across the picture. */
function hair(map: Float32Array, width: number, height: number, random: () => number, size: number): void {
  const start = { x: random() * width, y: random() * height };
  const heading = random() * 2 * Math.PI;
  const length = size * (0.3 + random() * 0.5);
  const bend = (random() - 0.5) * 2.5 / length;
  const thickness = size * (0.0025 + random() * 0.002);
  const strength = 0.45 + random() * 0.3;
  let { x, y } = start;
  let direction = heading;
  const step = thickness * 0.7;
  for (let travelled = 0; travelled < length; travelled += step) {
    stamp(map, width, height, { x, y, radius: thickness, strength: strength * (1 - 0.5 * (travelled / length) ** 2) });
    x += Math.cos(direction) * step;
    y += Math.sin(direction) * step;
    direction += bend * step + gaussian(random) * 0.004;
  }
}

/** Where a frame's window lies in its scene, and its flicker. */
export interface FrameMotion {
  /** Offset of the window from the scene's centre, as a share of the frame's height (at most `DRIFT_MARGIN`). */
  dx: number;
  dy: number;
  /** Brightness factor, near 1. */
  gain: number;
  /** Where this frame's sensor noise starts in the grain table. */
  grainOffset: number;
}

/** The margin a scene has around a frame for the drift of `motionAt`: a share of the frame's height on each side. */
export const DRIFT_MARGIN = 0.04;

/** A hand-held camera's drift and flicker at `phase` (periodic in 2π). */
export function motionAt(phase: number): FrameMotion {
  const turn = ((phase % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return {
    dx: 0.025 * Math.sin(phase) + 0.008 * Math.sin(3 * phase + 1),
    dy: 0.02 * Math.cos(phase) + 0.006 * Math.sin(5 * phase),
    gain: 1 + 0.015 * Math.sin(7 * phase),
    grainOffset: Math.floor((turn / (2 * Math.PI)) * GRAIN_LENGTH),
  };
}

/** The height of the scenes the demo paints: that of its preview frames, with the drift's margin; stills are scaled up from it. */
const SCENE_FRAME_HEIGHT = 240;

/** A scene for frames `frameHeight` pixels high (4:3), with the drift's margin around them. */
export function sceneSize(frameHeight = SCENE_FRAME_HEIGHT): { width: number; height: number } {
  const height = Math.round(frameHeight * (1 + 2 * DRIFT_MARGIN));
  return { width: Math.round((height * 4) / 3), height };
}

/** Paints `look` at the demo's scene size. */
export function paintDemoScene(look: LesionLook): DemoScene {
  const { width, height } = sceneSize();
  return paintScene(look, width, height);
}

/**
 * The length of a table of sensor noise: prime, so that its pattern does not line up with the
 * picture's rows as it repeats.
 */
const GRAIN_LENGTH = 65521;

/**
 * A camera's sensor noise, to add to a frame's bytes from some offset on: near-normal (the sum
 * of two uniform numbers), a standard deviation of 1.6 levels of 255.
 */
export function sensorGrain(seed = 1): Int8Array {
  const random = seededRandom(seed);
  return Int8Array.from({ length: GRAIN_LENGTH }, () => Math.round((random() + random() - 1) * 4));
}

/**
 * One frame (JPEG) of `scene` at `width` x `height`: the window at `motion`, scaled from the
 * scene's resolution, with its flicker, and with sensor noise from `grain` where given.
 */
export async function renderFrame(scene: DemoScene, width: number, height: number, motion: FrameMotion, grain?: Int8Array): Promise<Buffer> {
  const scale = Math.min(scene.height / (height * (1 + 2 * DRIFT_MARGIN)), scene.width / (width + 2 * DRIFT_MARGIN * height));
  const windowWidth = Math.round(width * scale);
  const windowHeight = Math.round(height * scale);
  const shift = (offset: number, room: number) => Math.min(Math.max(Math.round(room / 2 + offset * height * scale), 0), room);
  const left = shift(motion.dx, scene.width - windowWidth);
  const top = shift(motion.dy, scene.height - windowHeight);
  let window = sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).extract({ left, top, width: windowWidth, height: windowHeight });
  if (windowWidth !== width || windowHeight !== height) window = window.resize(width, height, { fit: 'fill', kernel: 'cubic' });
  const pixels = await window.raw().toBuffer();
  expose(pixels, motion.gain, grain, motion.grainOffset);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** The frame's gain, and sensor noise read from `grain` from `offset` on. */
function expose(pixels: Buffer, gain: number, grain: Int8Array | undefined, offset: number): void {
  let j = offset % GRAIN_LENGTH;
  for (let i = 0; i < pixels.length; i++) {
    let value = pixels[i]! * gain;
    if (grain) {
      value += grain[j]!;
      if (++j === grain.length) j = 0;
    }
    pixels[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
}

/**
 * A still (JPEG) of one of the demo's lesions, `look` (the first by default), as the demo
 * camera takes it at `phase` (periodic in 2π).
 */
export async function renderDemoLesion(width: number, height: number, phase = 0, look: LesionLook = DEMO_LESIONS[0]!): Promise<Buffer> {
  return renderFrame(paintDemoScene(look), width, height, motionAt(phase), sensorGrain());
}
