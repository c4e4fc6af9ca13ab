import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { demoCamera } from '../../src/camera/demoCamera.js';
import { DEMO_LESIONS } from '../../src/camera/demoLesion.js';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { SHIPPED_MODEL } from '../helpers/paths.js';

/** Each demo lesion is on screen for six seconds, then the next. */
const LESION_MS = 6000;
const STILLS_PER_LESION = 6;

describe('the demo camera with the shipped model', () => {
  // The README's first command runs the app on the demo camera: a new user's first capture must be
  // answered, not refused. The model and its limits are not fitted to the demo; the demo's pictures
  // are made to look like the close-ups of lesions that the model learnt from.
  it("has most of its stills judged (neither the quality gate nor the 'not a lesion' check refuses them)", async () => {
    const classifier = await loadClassifier({ tf: async () => tf, modelDir: SHIPPED_MODEL, backend: 'auto' });
    let t = 0;
    const camera = demoCamera(() => t);
    const refused: string[] = [];
    const distances: number[] = [];
    try {
      for (let lesion = 0; lesion < DEMO_LESIONS.length; lesion++) {
        for (let k = 0; k < STILLS_PER_LESION; k++) {
          t = lesion * LESION_MS + 137 + k * 977; // spread over the lesion's drift
          const answer = await classifier.classifyFile(await camera.capture());
          distances.push(answer.ood_score!);
          if (answer.label === 'rejected') refused.push(`lesion ${lesion} at ${t} ms: ${answer.quality.reasons.join('; ')}`);
        }
      }
    } finally {
      classifier.dispose();
    }
    const stills = DEMO_LESIONS.length * STILLS_PER_LESION;
    // measured: none of 24 refused, distances 16.7-21.0 against the card's threshold of 23.3 (HAM10000 val's 99th percentile)
    expect(refused.length, refused.join('\n')).toBeLessThanOrEqual(Math.floor(stills * 0.1));
    expect(distances.sort((a, b) => a - b)[Math.floor(stills / 2)]).toBeLessThan(classifier.card.out_of_distribution.threshold);
  });
});
