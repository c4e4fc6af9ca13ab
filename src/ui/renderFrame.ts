import sharp from 'sharp';
import terminalImage from 'terminal-image';
import { MAX_INPUT_PIXELS } from '../images.js';

/**
 * Draws an image as terminal text in half-block characters (two pixels a cell), which works
 * in any colour terminal and over SSH. The image is shrunk with sharp first, so that
 * terminal-image only has a few thousand pixels to turn into text.
 */
export async function renderFrame(image: Buffer, columns: number, rows: number): Promise<string> {
  const small = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .resize(columns, rows * 2, { fit: 'inside' })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return terminalImage.buffer(small, { width: columns, height: rows, preferNativeRender: false });
}
