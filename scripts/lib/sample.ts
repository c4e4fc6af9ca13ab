import { seededRandom } from '../../src/metrics/bootstrap.js';
import type { LabelledImage } from './datasets.js';

/** A seeded sample of `n` images, as many malignant as benign where the set allows, in the set's order. */
export function limitedSample(images: LabelledImage[], n: number, seed: number): LabelledImage[] {
  const random = seededRandom(seed);
  const shuffled = images.map((image, i) => ({ image, i, key: random() })).sort((a, b) => a.key - b.key);
  const malignant = shuffled.filter(({ image }) => image.label === 'malignant').slice(0, Math.ceil(n / 2));
  const benign = shuffled.filter(({ image }) => image.label === 'benign').slice(0, n - malignant.length);
  return [...malignant, ...benign].sort((a, b) => a.i - b.i).map(({ image }) => image);
}
