import chalk from 'chalk';
import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../images.js';

/** The lower half block: its background is the cell's top pixel, its foreground the bottom one. */
const HALF_BLOCK = '\u2584';

/**
 * Draws an image as terminal text in half-block characters (two pixels a cell), which works in
 * any colour terminal and over SSH; chalk brings the colours down to what the terminal shows.
 * sharp shrinks the picture to the cells' pixels and hands them over raw, so that nothing is
 * encoded or decoded twice.
 */
export async function renderFrame(image: Buffer, columns: number, rows: number): Promise<string> {
  const { data, info } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .resize(columns, rows * 2, { fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const pixel = (x: number, y: number) => {
    const at = (y * width + x) * channels;
    return [data[at]!, data[at + 1]!, data[at + 2]!] as const;
  };
  const lines: string[] = [];
  for (let y = 0; y + 1 < height; y += 2) {
    let line = '';
    for (let x = 0; x < width; x++) line += chalk.bgRgb(...pixel(x, y)).rgb(...pixel(x, y + 1))(HALF_BLOCK);
    lines.push(line);
  }
  return lines.join('\n');
}
