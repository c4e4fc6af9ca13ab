/**
 * Seeded randomness for the demo camera's synthetic pictures: the same seed paints the same
 * picture, so tests and screenshots are repeatable.
 */

export { seededRandom } from '../metrics/bootstrap.js';

/** A normally distributed number (Box-Muller) from a uniform generator. */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A lattice of random values in [-1, 1], one `cell` apart, with a margin around a `width` x `height` picture. */
interface Lattice {
  values: Float32Array;
  columns: number;
  inverse: number;
}

const LATTICE_MARGIN = 2;

function lattice(random: () => number, cell: number, width: number, height: number): Lattice {
  const columns = Math.ceil(width / cell) + 2 * LATTICE_MARGIN + 2;
  const rows = Math.ceil(height / cell) + 2 * LATTICE_MARGIN + 2;
  const values = new Float32Array(columns * rows);
  for (let i = 0; i < values.length; i++) values[i] = random() * 2 - 1;
  return { values, columns, inverse: 1 / cell };
}

/** 0 below `edge0`, 1 above `edge1`, and the smooth cubic 3t² - 2t³ between. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}

/**
 * Adds `weight` times smooth value noise (the lattice's values blended with a smoothstep) at
 * every pixel of a `width` x `height` grid to `target`: a row of the lattice is blended once
 * per picture row, so that a pixel costs one blend.
 */
function addValueNoise(target: Float32Array, width: number, height: number, { values, columns, inverse }: Lattice, weight: number): void {
  const left = new Int32Array(width);
  const across = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = x * inverse + LATTICE_MARGIN;
    left[x] = Math.floor(gx);
    across[x] = smoothstep(0, 1, gx - left[x]!);
  }
  const row = new Float32Array(columns);
  for (let y = 0; y < height; y++) {
    const gy = y * inverse + LATTICE_MARGIN;
    const top = Math.floor(gy);
    const down = smoothstep(0, 1, gy - top);
    for (let c = 0; c < columns; c++) {
      const a = values[top * columns + c]!;
      row[c] = a + (values[(top + 1) * columns + c]! - a) * down;
    }
    for (let x = 0, k = y * width; x < width; x++, k++) {
      const a = row[left[x]!]!;
      target[k] = target[k]! + (a + (row[left[x]! + 1]! - a) * across[x]!) * weight;
    }
  }
}

/**
 * Fractal noise over a `width` x `height` grid, row by row, roughly in [-1, 1]: `octaves`
 * layers of value noise, the first with lattice points `cell` pixels apart, each next one with
 * half the cell and half the weight.
 */
export function fractalNoise(random: () => number, cell: number, octaves: number, width: number, height: number): Float32Array {
  const layers = Array.from({ length: octaves }, (_, o) => lattice(random, Math.max(1, cell / 2 ** o), width, height));
  let total = 0;
  for (let o = 0; o < octaves; o++) total += 0.5 ** o;
  const grid = new Float32Array(width * height);
  layers.forEach((layer, o) => addValueNoise(grid, width, height, layer, 0.5 ** o / total));
  return grid;
}

/** A field over the plane, read at pixel coordinates. */
export interface NoiseField {
  at(x: number, y: number): number;
}

/**
 * A mesh of lines, as the walls between cells (a jittered grid's Voronoi cells, `cell` apart):
 * 1 on a wall, falling to 0 within half a cell. `at(x, y)` takes pixel coordinates.
 */
export function cellEdges(random: () => number, cell: number, width: number, height: number): NoiseField {
  const margin = 4;
  const columns = Math.ceil(width / cell) + 2 * margin + 2;
  const rows = Math.ceil(height / cell) + 2 * margin + 2;
  const points = new Float32Array(columns * rows * 2);
  for (let i = 0; i < columns * rows; i++) {
    points[2 * i] = 0.15 + random() * 0.7;
    points[2 * i + 1] = 0.15 + random() * 0.7;
  }
  const inverse = 1 / cell;
  return {
    at(x, y) {
      const gx = Math.min(Math.max(x * inverse + margin, 1), columns - 2);
      const gy = Math.min(Math.max(y * inverse + margin, 1), rows - 2);
      const ix = Math.floor(gx);
      const iy = Math.floor(gy);
      let first = Infinity;
      let second = Infinity;
      for (let j = iy - 1; j <= iy + 1; j++) {
        for (let i = ix - 1; i <= ix + 1; i++) {
          const k = 2 * (j * columns + i);
          const d = Math.hypot(i + points[k]! - gx, j + points[k + 1]! - gy);
          if (d < first) [first, second] = [d, first];
          else if (d < second) second = d;
        }
      }
      const gap = (second - first) / 0.6;
      return gap >= 1 ? 0 : (1 - gap * gap * (3 - 2 * gap)) ** 1.5;
    },
  };
}
