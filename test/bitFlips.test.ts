import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileCamera, folderCamera } from '../src/camera/fileCameras.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { SHARED_DATA, SHIPPED_MODEL } from './helpers/paths.js';

const card = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-bitflips-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Where a baseline JPEG's entropy-coded data lies: after its (only) scan header, before its end of image. */
function entropyCodedData(jpeg: Buffer): { start: number; end: number } {
  let at = 2;
  while (jpeg[at + 1] !== 0xda) at += 2 + jpeg.readUInt16BE(at + 2);
  return { start: at + 2 + jpeg.readUInt16BE(at + 2), end: jpeg.lastIndexOf(Buffer.from([0xff, 0xd9])) };
}

/** Copies of a JPEG with one to three bits flipped at random in its entropy-coded data, as a failing card or cable flips them. */
function bitFlippedCopies(jpeg: Buffer, count: number, random: () => number): Buffer[] {
  const { start, end } = entropyCodedData(jpeg);
  return Array.from({ length: count }, () => {
    const copy = Buffer.from(jpeg);
    for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) copy[start + Math.floor(random() * (end - start))]! ^= 1 << Math.floor(random() * 8);
    return copy;
  });
}

/** Whether a camera refused its still; one it did not refuse must be the file itself, so that the log and classify see one picture. */
async function cameraRefuses(capture: Promise<Buffer>, file: Buffer): Promise<boolean> {
  let still: Buffer;
  try {
    still = await capture;
  } catch {
    return true;
  }
  expect(still.equals(file)).toBe(true);
  return false;
}
const classifyRefuses = (image: Buffer) => preprocessImage(image, card.input).then(() => false, () => true);

/** Writes the copies into a folder of their own and says, per copy, whether classify, a file: and a dir: camera refuse it. */
async function refusals(name: string, copies: Buffer[]): Promise<{ classify: boolean[]; file: boolean[]; dir: boolean[] }> {
  const dir = mkdtempSync(path.join(folder, `${name}-`));
  const files = copies.map((copy, i) => {
    const file = path.join(dir, `flipped-${String(i).padStart(3, '0')}.jpg`);
    writeFileSync(file, copy);
    return file;
  });
  let clock = 0;
  const folderCam = folderCamera(dir, 1, () => clock);
  const result = { classify: [] as boolean[], file: [] as boolean[], dir: [] as boolean[] };
  for (const [i, file] of files.entries()) {
    result.classify.push(await classifyRefuses(copies[i]!));
    result.file.push(await cameraRefuses(fileCamera(file).capture(), copies[i]!));
    clock = i * 1000; // the folder camera's next picture
    result.dir.push(await cameraRefuses(folderCam.capture(), copies[i]!));
  }
  return result;
}

describe('bit-flipped pictures (issue 23, item 3)', () => {
  it.each(['ISIC_0024306', 'ISIC_0024307'])('are refused by the file: and dir: cameras exactly where classify refuses them (HAM10000 %s)', async (image) => {
    const copies = bitFlippedCopies(readFileSync(path.join(SHARED_DATA, 'ham10000', 'images', `${image}.jpg`)), 60, seededRandom(23));
    const { classify, file, dir } = await refusals(image, copies);
    expect(classify.filter(Boolean).length).toBeGreaterThan(0); // the copies test something: some are refused...
    expect(classify.filter((no) => !no).length).toBeGreaterThan(0); // ...and some decode without a warning
    expect(file).toEqual(classify);
    expect(dir).toEqual(classify);
  });
});
