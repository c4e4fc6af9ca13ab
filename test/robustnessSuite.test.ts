import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { calibratedLogit, sigmoid } from '../src/classifier/decision.js';
import { seededRandom } from '../src/metrics/bootstrap.js';
import type { LabelledImage } from '../scripts/lib/datasets.js';
import { paintDarkField, readPicture, TRANSFORMS, type NamedTransform } from '../scripts/lib/lesionTransforms.js';
import { fitPooledRules } from '../scripts/lib/pooledRules.js';
import { weightedQuantile } from '../scripts/lib/quantile.js';
import { runRobustness, type Judge } from '../scripts/lib/robustness.js';
import { FIXTURES } from './helpers/paths.js';

const FIXTURE = path.join(FIXTURES, 'ISIC_0024323.jpg');

describe('the robustness transforms', () => {
  it('each returns a decodable picture, and only the squashes change its size', async () => {
    const picture = await readPicture(FIXTURE);
    for (const transform of TRANSFORMS) {
      const { width, height } = await sharp(await transform.apply(picture, seededRandom(1))).metadata();
      // a quarter off one side (rounded to whole pixels)
      if (transform.name.startsWith('aspect squash')) expect(Math.abs(width! * height! - 0.75 * picture.width * picture.height), transform.name).toBeLessThanOrEqual(picture.width);
      else expect([width, height], transform.name).toEqual([picture.width, picture.height]);
    }
  });

  it('a dark field blackens outside its circle and leaves the centre untouched', async () => {
    const picture = await readPicture(FIXTURE);
    const framed = paintDarkField(picture, 1);
    const at = (data: Uint8Array, x: number, y: number) => Array.from(data.subarray(3 * (y * picture.width + x), 3 * (y * picture.width + x) + 3));
    expect(at(framed, 0, 0)).toEqual([0, 0, 0]);
    expect(at(framed, picture.width - 1, picture.height - 1)).toEqual([0, 0, 0]);
    const [cx, cy] = [picture.width / 2, picture.height / 2];
    expect(at(framed, cx, cy)).toEqual(at(picture.data, cx, cy));
    // corners only: the circle reaches 90% of the way to the corners of the centre square
    const corners = paintDarkField(picture, 0.9 * Math.SQRT2);
    expect(at(corners, cx - picture.height / 2 + 1, 1)).toEqual([0, 0, 0]);
    expect(at(corners, cx, 1)).toEqual(at(picture.data, cx, 1));
  });
});

describe('the suite', () => {
  it('sets each transform beside the clean answers and marks the targets it misses', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-suite-'));
    const images: LabelledImage[] = ['benign', 'benign', 'malignant', 'malignant'].map((label, i) => {
      const file = path.join(folder, `${i}.png`);
      return { id: String(i), file, label: label as LabelledImage['label'], group: String(i) };
    });
    // mid-grey pictures whose brightness says the label: benign dark, malignant light
    await Promise.all(images.map((image, i) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 60 + 40 * i, g: 60, b: 60 } } }).png().toFile(image.file)));
    // a judge that reads the red channel of the centre pixel: a black field does not reach it, a red tint does
    const judge: Judge = async (input) => {
      const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
      const red = data[3 * (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2))]!;
      return { p: red / 255, refused: false, notALesion: false };
    };
    const redder: NamedTransform = {
      name: 'redder',
      group: 'markings',
      apply: async (picture) => sharp(Uint8Array.from(picture.data, (v, k) => (k % 3 === 0 ? Math.min(255, v + 120) : v)), { raw: { width: picture.width, height: picture.height, channels: 3 } }).png().toBuffer(),
    };
    const field = TRANSFORMS.find((t) => t.name === 'black circular field, radius 0.85')!;
    const report = await runRobustness(judge, 0.45, [{ name: 'toy', images }], [field, redder], 1);
    const [clean, framed, tinted] = report.rows;
    expect(clean!.transform).toBe('clean');
    expect(clean!.auc).toBe(1);
    expect(framed!.median_logit_change_benign).toBeCloseTo(0, 6);
    expect(framed!.meets).toEqual({ auc: true, specificity: true, benign_logit: true });
    // +120 of red puts every benign picture over the threshold and raises its logit by far more than 0.5
    expect(tinted!.specificity).toBe(0);
    expect(tinted!.meets).toEqual({ auc: true, specificity: false, benign_logit: false });
  });
});

describe('decision rules pooled over val sources', () => {
  it('keep every source at the sensitivity target, and weigh the sources alike', () => {
    const random = seededRandom(5);
    // a large easy source and a small hard one
    const source = (name: string, n: number, separation: number) => {
      const malignant = Array.from({ length: n }, () => random() < 0.3);
      const logits = malignant.map((m) => (m ? separation : -separation) + (random() - 0.5) * 6);
      return { name, logits, malignant };
    };
    const sources = [source('easy', 3000, 4), source('hard', 300, 1)];
    const rules = fitPooledRules(sources);
    for (const s of sources) {
      const p = s.logits.map((logit) => sigmoid(calibratedLogit(logit, rules.calibration)));
      const caught = p.filter((value, i) => s.malignant[i] && value >= rules.threshold).length;
      expect(caught / s.malignant.filter(Boolean).length, s.name).toBeGreaterThanOrEqual(0.9);
    }
    expect(rules.band.low).toBeLessThan(rules.threshold);
    expect(rules.band.high).toBeGreaterThan(rules.threshold);
  });

  it('a weighted quantile counts each value by its weight', () => {
    expect(weightedQuantile([1, 2, 3, 4], [1, 1, 1, 1], 0.5)).toBe(2);
    expect(weightedQuantile([1, 2, 3, 4], [0.1, 0.1, 0.1, 3], 0.5)).toBe(4);
  });
});
