import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NOT_A_LESION } from '../../src/classifier/decision.js';
import { jsonLines, runCli } from '../helpers/cli.js';
import { FIXTURES, REPO } from '../helpers/paths.js';

/** scikit-image's sample images (astronaut, cat, coffee, coins, rocket...), unpacked by .ci/run. */
const SKIMAGE_PHOTOS = path.join(REPO, '.cache', 'non-lesion', 'usr', 'lib', 'python3', 'dist-packages', 'skimage', 'data');

describe('the "not a lesion" check of the shipped model', () => {
  it('rejects at least 95% of real photos that are not skin lesions', async () => {
    expect(existsSync(SKIMAGE_PHOTOS), `${SKIMAGE_PHOTOS} is missing: run .ci/run, which unpacks the python3-skimage package there`).toBe(true);
    const lines = jsonLines((await runCli(['classify', '--json', SKIMAGE_PHOTOS])).stdout).filter((line) => !('error' in line));
    expect(lines.length).toBeGreaterThanOrEqual(30);
    const rejected = lines.filter((line) => line.label === 'rejected');
    const notALesion = rejected.filter((line) => (line.quality as { reasons: string[] }).reasons.includes(NOT_A_LESION));
    expect(rejected.length / lines.length).toBeGreaterThanOrEqual(0.95);
    // the check alone: v2 rejected all 33, v3 31 (the quality gate refuses the other 2); see docs/TRAINING.md
    expect(notALesion.length / lines.length).toBeGreaterThanOrEqual(0.9);
    // on screen a refused picture gets its reasons and no probability
    const human = (await runCli(['classify', path.join(SKIMAGE_PHOTOS, 'coffee.png')])).stdout.trim().split('\n').at(-2); // the last line is the summary
    // in the words of the app's main screen for a refused picture
    expect(human).toMatch(/coffee\.png: RETAKE: not judged: .*not a skin lesion.* \([\d.]+ ms\)$/);
    expect(human).not.toContain('p malignant');
  });

  it('refuses pictures with the lesion moved into a corner of the frame (the rest plain skin)', async () => {
    const shifted = mkdtempSync(path.join(os.tmpdir(), 'dermacam-shifted-'));
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg'));
    for (const name of names) {
      const image = readFileSync(path.join(FIXTURES, name));
      const { width = 0, height = 0 } = await sharp(image).metadata();
      const { dominant: skin } = await sharp(image).extract({ left: 0, top: 0, width, height: Math.round(height / 8) }).stats();
      await sharp(image).extend({ right: width, bottom: height, background: skin }).jpeg().toFile(path.join(shifted, name));
    }
    const lines = jsonLines((await runCli(['classify', '--json', shifted])).stdout);
    // measured: all 14 refused by the "not a lesion" check (the quality gate's framing measures
    // flagged 2); the closest distance was 0.7 above the threshold
    expect(lines.filter((line) => line.label === 'rejected').length).toBeGreaterThanOrEqual(names.length - 1);
  });
});
