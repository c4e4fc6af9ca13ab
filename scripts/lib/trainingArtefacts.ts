import { paintDarkField, withGaussianNoise } from './lesionTransforms.js';

/**
 * The artefacts that the fine-tuning (scripts/training/augment.py) paints onto training pictures, on square RGB pixels
 * (3 bytes a pixel), with the same ranges: the "not a lesion" check is fitted on pictures like
 * the ones the model learnt from, so a ruler or a pen ring is not "unlike any lesion". The
 * robustness suite's transforms (lesionTransforms.ts) are fixed instances for measuring; these
 * are random, for fitting.
 */
export type Square = { data: Uint8Array; side: number };
type Random = () => number;

const uniform = (random: Random, low: number, high: number) => low + (high - low) * random();
const toByte = (x: number) => Math.round(Math.min(255, Math.max(0, (x + 1) * 127.5)));
/** Pixel centres in [-1, 1], as augment.py's meshgrid. */
const coordinate = (i: number, side: number) => ((i + 0.5) / side) * 2 - 1;

/** A dark circular field: radius 0.75-1.45 of half the side (1.41 blackens only the corners), centre up to 7.5% of the side away. */
export function darkField({ data, side }: Square, random: Random): Uint8Array {
  return paintDarkField({ data, width: side, height: side }, uniform(random, 0.75, 1.45), [uniform(random, -0.075, 0.075), uniform(random, -0.075, 0.075)]);
}

/** Light falling off around a point near the centre. */
function vignette({ data, side }: Square, random: Random): Uint8Array {
  const [cx, cy] = [uniform(random, -0.2, 0.2), uniform(random, -0.2, 0.2)];
  const strength = uniform(random, 0.25, 0.75);
  const out = Uint8Array.from(data);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const d2 = (coordinate(x, side) - cx) ** 2 + (coordinate(y, side) - cy) ** 2;
      const gain = Math.min(1, Math.max(0, 1 - (strength * d2) / 2));
      for (let c = 0; c < 3; c++) out[3 * (y * side + x) + c] = Math.round(out[3 * (y * side + x) + c]! * gain);
    }
  }
  return out;
}

/** A light or dark scale bar along one edge, ticks on its inner half. */
function ruler({ data, side }: Square, random: Random): Uint8Array {
  const width = Math.floor(side * uniform(random, 0.05, 0.12));
  const tone = random() < 0.6 ? 0.9 : -0.85;
  const spacing = Math.max(3, Math.floor(side * uniform(random, 0.03, 0.06)));
  const edge = Math.floor(random() * 4);
  const out = Uint8Array.from(data);
  for (let depth = 0; depth < width; depth++) {
    for (let along = 0; along < side; along++) {
      const tick = depth < width / 2 && along % spacing === 0;
      const [x, y] = [[along, depth], [depth, side - 1 - along], [side - 1 - along, side - 1 - depth], [side - 1 - depth, along]][edge]!;
      out.fill(toByte(tick ? -tone : tone), 3 * (y! * side + x!), 3 * (y! * side + x!) + 3);
    }
  }
  return out;
}

/** A violet-to-blue surgical-pen ring around the centre. */
function penRing({ data, side }: Square, random: Random): Uint8Array {
  const radius = uniform(random, 0.45, 0.8);
  const [cx, cy] = [uniform(random, -0.1, 0.1), uniform(random, -0.1, 0.1)];
  const stretch = uniform(random, 0.8, 1.2);
  const thickness = uniform(random, 0.012, 0.032);
  const ink = [-0.3, -0.6, 0.2].map((x) => toByte(x + uniform(random, -0.25, 0.25)));
  const out = Uint8Array.from(data);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const d = Math.hypot((coordinate(x, side) - cx) / stretch, coordinate(y, side) - cy);
      if (Math.abs(d - radius) < thickness) out.set(ink, 3 * (y * side + x));
    }
  }
  return out;
}

/** A flat patch of one random colour in a corner. */
function colourPatch({ data, side }: Square, random: Random): Uint8Array {
  const size = Math.floor(side * uniform(random, 0.08, 0.18));
  const top = random() < 0.5 ? 0 : side - size;
  const left = random() < 0.5 ? 0 : side - size;
  const colour = [0, 1, 2].map(() => toByte(uniform(random, -1, 1)));
  const out = Uint8Array.from(data);
  for (let y = top; y < top + size; y++) for (let x = left; x < left + size; x++) out.set(colour, 3 * (y * side + x));
  return out;
}

const MARKINGS = [vignette, ruler, penRing, colourPatch];

/** One of the fine-tuning's markings (vignette, ruler, pen ring, colour patch), chosen at random. */
export function marking(square: Square, random: Random): Uint8Array {
  return MARKINGS[Math.floor(random() * MARKINGS.length)]!(square, random);
}

/** Gaussian noise on every pixel and channel, standard deviation up to 10 levels: augment.py's sensor noise. */
export function sensorNoise({ data }: Square, random: Random): Uint8Array {
  return withGaussianNoise(data, uniform(random, 0, 10), random);
}
