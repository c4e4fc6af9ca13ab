import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Classifier } from '../../src/classifier/classifier.js';
import { NOT_A_LESION, type Label } from '../../src/classifier/decision.js';
import { metricsReport, seededRandom, type MetricsReport } from '../../src/metrics/index.js';
import type { LabelledImage } from './datasets.js';
import { createProgress } from './progress.js';

/** One test image as the app answered it. */
interface Answer {
  image: LabelledImage;
  p: number;
  label: Label;
  notALesion: boolean;
}

export interface SubgroupRow {
  group: string;
  n: number;
  malignant: number;
  auc: number | null;
  sensitivity: number | null;
  specificity: number | null;
  ci: { auc: [number, number] | null; sensitivity: [number, number] | null; specificity: [number, number] | null };
}

export interface TestEvaluation {
  /** Every image, at the threshold, whatever the refusals (p(malignant) is always given). */
  all: MetricsReport;
  /** All malignant images and as many benign ones (seeded): the paper's 50/50 test set, for comparison. */
  balanced: MetricsReport;
  /** Only the images answered benign or malignant. */
  answered: MetricsReport;
  /** Refusals; a malignant lesion refused as "not a lesion" is a miss, so those are counted apart from benign ones. */
  refused: { rejected: number; not_a_lesion: number; not_a_lesion_malignant: number; not_a_lesion_benign: number; uncertain: number };
  /** By HAM10000 metadata: diagnosis, age band, sex, body site, and acquisition source (`dataset`: the camera and clinic). */
  subgroups: Record<'dx' | 'age' | 'sex' | 'localization' | 'dataset', SubgroupRow[]>;
}

export function ageBand(age: string): string {
  const years = Number(age);
  if (age === '' || !Number.isFinite(years)) return 'unknown';
  if (years < 30) return '< 30';
  if (years < 50) return '30-49';
  if (years < 70) return '50-69';
  return '70 +';
}

export function readHamMetadata(dataDir: string): Map<string, Record<string, string>> {
  const rows = parse(readFileSync(path.join(dataDir, 'ham10000', 'metadata.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  return new Map(rows.map((row) => [row.image_id!, row]));
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const interval = (ci: { low: number; high: number }): [number, number] | null => (Number.isFinite(ci.low) ? [ci.low, ci.high] : null);

function subgroupRows(answers: Answer[], keyOf: (a: Answer) => string, threshold: number, seed: number): SubgroupRow[] {
  const byKey = new Map<string, Answer[]>();
  for (const answer of answers) {
    const key = keyOf(answer);
    const rows = byKey.get(key);
    if (rows) rows.push(answer);
    else byKey.set(key, [answer]);
  }
  return [...byKey.entries()]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(([group, rows]) => {
      const truth = rows.map((a) => a.image.label === 'malignant');
      const report = metricsReport(truth, rows.map((a) => a.p), threshold, { groups: rows.map((a) => a.image.group), seed, iterations: 500 });
      const malignant = truth.filter(Boolean).length;
      const both = malignant > 0 && malignant < rows.length;
      return {
        group,
        n: rows.length,
        malignant,
        auc: both ? finite(report.auc) : null,
        sensitivity: malignant > 0 ? finite(report.recall) : null,
        specificity: malignant < rows.length ? finite(report.specificity) : null,
        ci: {
          auc: both ? interval(report.ci.auc) : null,
          sensitivity: malignant > 0 ? interval(report.ci.recall) : null,
          specificity: malignant < rows.length ? interval(report.ci.specificity) : null,
        },
      };
    });
}

/**
 * The finished model on the HAM10000 test split, read once, end to end from the image files
 * through the same classifier as the app, with lesion-bootstrap 95% intervals.
 */
export async function evaluateOnTest(
  classifier: Classifier,
  images: LabelledImage[],
  metadata: Map<string, Record<string, string>>,
  seed: number,
): Promise<TestEvaluation> {
  const progress = createProgress('HAM test split', images.length);
  const answers: Answer[] = [];
  for (const image of images) {
    const prediction = await classifier.classifyFile(image.file);
    answers.push({ image, p: prediction.p_malignant, label: prediction.label, notALesion: prediction.quality.reasons.includes(NOT_A_LESION) });
    progress.tick();
  }
  progress.finish();
  const report = (rows: Answer[]) =>
    metricsReport(rows.map((a) => a.image.label === 'malignant'), rows.map((a) => a.p), classifier.threshold, { groups: rows.map((a) => a.image.group), seed });
  const meta = (a: Answer, key: string) => metadata.get(a.image.id)?.[key] ?? 'unknown';
  const malignant = answers.filter((a) => a.image.label === 'malignant');
  const random = seededRandom(seed);
  const benign = answers
    .filter((a) => a.image.label === 'benign')
    .map((a) => ({ a, key: random() }))
    .sort((x, y) => x.key - y.key)
    .slice(0, malignant.length)
    .map(({ a }) => a);
  return {
    all: report(answers),
    balanced: report([...malignant, ...benign]),
    answered: report(answers.filter((a) => a.label === 'benign' || a.label === 'malignant')),
    refused: {
      rejected: answers.filter((a) => a.label === 'rejected').length,
      not_a_lesion: answers.filter((a) => a.notALesion).length,
      not_a_lesion_malignant: malignant.filter((a) => a.notALesion).length,
      not_a_lesion_benign: answers.filter((a) => a.notALesion && a.image.label === 'benign').length,
      uncertain: answers.filter((a) => a.label === 'uncertain').length,
    },
    subgroups: {
      dx: subgroupRows(answers, (a) => meta(a, 'dx'), classifier.threshold, seed),
      age: subgroupRows(answers, (a) => ageBand(meta(a, 'age')), classifier.threshold, seed),
      sex: subgroupRows(answers, (a) => meta(a, 'sex'), classifier.threshold, seed),
      localization: subgroupRows(answers, (a) => meta(a, 'localization'), classifier.threshold, seed),
      dataset: subgroupRows(answers, (a) => meta(a, 'dataset'), classifier.threshold, seed),
    },
  };
}
