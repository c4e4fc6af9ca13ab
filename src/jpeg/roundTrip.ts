import type { RgbSquare } from '../images.js';
import { runKernel } from '../kernels.js';
import { quantiserTables } from './quantisation.js';

/**
 * The pixels an RGB square comes back as after sharp compresses it to a JPEG at `quality` and
 * decodes it again, computed without libvips by a kernel (kernels/jpeg.ts) with libjpeg-turbo's
 * arithmetic. test/jpegRoundTrip.test.ts checks it against sharp bit for bit; it exists because a
 * libvips pipeline's start-up costs more than this arithmetic.
 */
export function jpegRoundTrip({ data, side }: RgbSquare, quality: number): RgbSquare {
  // libvips subsamples chroma (4:2:0) below quality 90, which is what the kernel follows
  if (quality >= 90) throw new RangeError(`jpegRoundTrip follows libvips's 4:2:0 chroma, which it uses below quality 90, not at ${quality}`);
  const pixels = runKernel([data, quantiserTables(quality)], side * side * 3, (kernels, rgb, tables) => kernels.jpegRoundTrip(rgb, side, tables));
  return { data: pixels, side };
}
