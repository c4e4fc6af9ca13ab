import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_A_LESION } from '../src/classifier/decision.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { REPO } from './helpers/paths.js';

/** scikit-image's sample images (astronaut, cat, coffee, coins, rocket...), unpacked by .ci/run. */
const SKIMAGE_PHOTOS = path.join(REPO, '.cache', 'non-lesion', 'usr', 'lib', 'python3', 'dist-packages', 'skimage', 'data');

describe('the "not a lesion" check of the shipped model', () => {
  it('rejects at least 95% of real photos that are not skin lesions', async () => {
    expect(existsSync(SKIMAGE_PHOTOS), `${SKIMAGE_PHOTOS} is missing: run .ci/run, which unpacks the python3-skimage package there`).toBe(true);
    const lines = jsonLines((await runCli(['classify', '--json', SKIMAGE_PHOTOS])).stdout).filter((line) => !('error' in line));
    expect(lines.length).toBeGreaterThanOrEqual(30);
    const notALesion = lines.filter((line) => line.label === 'rejected' && (line.quality as { reasons: string[] }).reasons.includes(NOT_A_LESION));
    expect(notALesion.length / lines.length).toBeGreaterThanOrEqual(0.95);
  });
});
