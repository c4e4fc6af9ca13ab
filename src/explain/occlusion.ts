/**
 * Occlusion sensitivity: which parts of the model's input square drove its answer. A grey patch
 * (the input's zero, mid-grey after normalisation) slides over the square, and each cell of a
 * grid x grid map gets the mean change in the malignant logit over the patches that covered it.
 * No gradients are needed, so it runs on every backend. It shows where the model looked, not a
 * segmentation of the lesion and not proof of anything.
 */
export interface OcclusionMap {
  grid: number;
  /**
   * Per cell, row by row: the malignant logit unoccluded minus occluded, averaged over the patches
   * covering the cell. Positive: that part raised p(malignant); negative: it lowered it.
   */
  heat: Float32Array;
  /** The malignant logit of the whole square. */
  baseline: number;
}

interface OcclusionOptions {
  /** Cells per side of the map. */
  grid: number;
  /** The patch's side in cells; it moves one cell at a time, partly off the square at the edges, so every cell is covered `patch`² times. */
  patch: number;
  /** Inputs per forward pass. */
  batch: number;
  /** Called after each batch with the share of the work done, 0..1. */
  onProgress?: (done: number) => void;
}

export const DEFAULT_OCCLUSION: Omit<OcclusionOptions, 'onProgress'> = { grid: 8, patch: 2, batch: 9 };

/** The patch positions, in cells, top-left corners from `1 - patch` to `grid - 1`. */
function patchCorners(grid: number, patch: number): [number, number][] {
  const corners: [number, number][] = [];
  for (let row = 1 - patch; row < grid; row++) for (let column = 1 - patch; column < grid; column++) corners.push([row, column]);
  return corners;
}

/** `input` (size x size x 3, normalised) with the patch at `corner` set to grey (0). */
function occluded(input: Float32Array, size: number, grid: number, corner: [number, number], patch: number): Float32Array {
  const copy = input.slice();
  const [top, left] = cellSpan(corner, patch, grid, size);
  for (let y = top[0]; y < top[1]; y++) copy.fill(0, (y * size + left[0]) * 3, (y * size + left[1]) * 3);
  return copy;
}

/** The pixel rows and columns [from, to) that a patch at `corner` covers, clipped to the square. */
function cellSpan([row, column]: [number, number], patch: number, grid: number, size: number): [[number, number], [number, number]] {
  const edge = (cell: number) => Math.round((Math.min(Math.max(cell, 0), grid) * size) / grid);
  return [
    [edge(row), edge(row + patch)],
    [edge(column), edge(column + patch)],
  ];
}

export async function occlusionMap(
  input: Float32Array,
  size: number,
  logitsOf: (inputs: Float32Array[]) => Promise<number[]>,
  { grid, patch, batch, onProgress }: OcclusionOptions,
): Promise<OcclusionMap> {
  const [baseline] = await logitsOf([input]);
  const corners = patchCorners(grid, patch);
  const sum = new Float32Array(grid * grid);
  const count = new Uint16Array(grid * grid);
  for (let start = 0; start < corners.length; start += batch) {
    const chunk = corners.slice(start, start + batch);
    const logits = await logitsOf(chunk.map((corner) => occluded(input, size, grid, corner, patch)));
    chunk.forEach(([row, column], i) => {
      for (let r = Math.max(row, 0); r < Math.min(row + patch, grid); r++) {
        for (let c = Math.max(column, 0); c < Math.min(column + patch, grid); c++) {
          sum[r * grid + c]! += baseline! - logits[i]!;
          count[r * grid + c]!++;
        }
      }
    });
    onProgress?.(Math.min(1, (start + chunk.length) / corners.length));
  }
  return { grid, heat: sum.map((total, cell) => total / count[cell]!), baseline: baseline! };
}
