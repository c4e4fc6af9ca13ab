/** The 4-neighbour Laplacian of the luma at every interior pixel, row by row. */
export function laplacian(luma: Uint8Array, side: number): Float32Array {
  const out = new Float32Array((side - 2) * (side - 2));
  let k = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      out[k++] = luma[i - side]! + luma[i + side]! + luma[i - 1]! + luma[i + 1]! - 4 * luma[i]!;
    }
  }
  return out;
}
