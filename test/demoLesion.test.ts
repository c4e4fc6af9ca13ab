import { describe, expect, it } from 'vitest';
import { DEMO_LESIONS, paintDemoScene, type DemoScene } from '../src/camera/demoLesion.js';
import { fractalNoise, seededRandom } from '../src/camera/demoNoise.js';

/** Mean luma of the scene's pixels within `share` of its height from its centre (`inside`), or beyond it. */
function meanLuma({ width, height, data }: DemoScene, share: number, inside: boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (Math.hypot(x - width / 2, y - height / 2) <= share * height !== inside) continue;
      const k = 3 * (y * width + x);
      sum += 0.299 * data[k]! + 0.587 * data[k + 1]! + 0.114 * data[k + 2]!;
      n++;
    }
  }
  return sum / n;
}

describe("the demo camera's synthetic lesions", () => {
  it('paints the same picture from the same seed, and a different one for each lesion', () => {
    const scenes = DEMO_LESIONS.map(paintDemoScene);
    expect(Buffer.from(paintDemoScene(DEMO_LESIONS[0]!).data).equals(Buffer.from(scenes[0]!.data))).toBe(true);
    for (let i = 1; i < scenes.length; i++) expect(Buffer.from(scenes[i]!.data).equals(Buffer.from(scenes[0]!.data))).toBe(false);
  });

  it('puts a darker lesion in the middle of skin, with no dark frame around the picture', () => {
    for (const look of DEMO_LESIONS) {
      const scene = paintDemoScene(look);
      const lesion = meanLuma(scene, 0.1, true);
      const skin = meanLuma(scene, 0.45, false);
      expect(lesion).toBeLessThan(skin * 0.8);
      expect(skin).toBeGreaterThan(110); // lit skin to the corners, as a dermatoscope's close-up (not a black surround)
    }
  });

  it('draws noise from a seed, within -1..1', () => {
    const a = fractalNoise(seededRandom(3), 20, 3, 64, 48);
    const b = fractalNoise(seededRandom(3), 20, 3, 64, 48);
    expect(a).toEqual(b);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(0.3);
  });
});
