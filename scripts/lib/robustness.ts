import type { Classifier } from '../../src/classifier/classifier.js';
import { NOT_A_LESION } from '../../src/classifier/decision.js';
import { rocAuc } from '../../src/metrics/index.js';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import type { LabelledImage } from './datasets.js';
import { readPicture, type NamedTransform, type TransformGroup } from './lesionTransforms.js';
import { createProgress } from './progress.js';
import { quantile } from './quantile.js';

/**
 * The shortcut and robustness suite: every transform of src/../lesionTransforms.ts applied to
 * every image of some labelled sets (val only, in training), each picture classified by the
 * app's own classifier, and the answers set beside those for the untouched file.
 */

/** The targets a transform's row is held to, against the clean row of the same set. */
export const TARGETS = {
  aucDrop: 0.01,
  specificityDrop: 0.05,
  /** |median change of the calibrated logit| of benign images, for the frame and markings transforms. */
  benignLogitShift: 0.5,
  logitShiftGroups: ['frame', 'markings'] as readonly TransformGroup[],
};

export interface RobustnessRow {
  set: string;
  transform: string;
  group: TransformGroup | 'clean';
  n: number;
  auc: number;
  sensitivity: number;
  specificity: number;
  /** Share refused (quality gate or "not a lesion"), and the malignant and benign shares refused as "not a lesion". */
  refused: number;
  not_a_lesion_malignant: number;
  not_a_lesion_benign: number;
  /** Against the clean picture: median change of the calibrated logit, benign and malignant images. */
  median_logit_change_benign: number;
  median_logit_change_malignant: number;
  /** Against the clean picture: median and 95th percentile of |change of p(malignant)|. */
  abs_p_change_median: number;
  abs_p_change_p95: number;
  /** Share of images refused one way and answered the other. */
  refusal_flips: number;
  /** Which targets the row meets (null: the target does not apply to the row). */
  meets: { auc: boolean | null; specificity: boolean | null; benign_logit: boolean | null };
}

export interface RobustnessReport {
  threshold: number;
  targets: typeof TARGETS;
  rows: RobustnessRow[];
}

/** What the model said of one picture. */
export interface Answer {
  p: number;
  refused: boolean;
  notALesion: boolean;
}

/** Classifies one picture: a file's path or bytes. */
export type Judge = (input: string | Buffer) => Promise<Answer>;

const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
};
const median = (values: number[]) => (values.length === 0 ? NaN : quantile(values, 0.5));
const share = (count: number, of: number) => (of === 0 ? 0 : count / of);

/** The app's own answer, refusals included. */
export function classifierJudge(classifier: Classifier): Judge {
  return async (input) => {
    const decision = await classifier.classifyFile(input);
    return { p: decision.p_malignant, refused: decision.label === 'rejected', notALesion: decision.quality.reasons.includes(NOT_A_LESION) };
  };
}

function rowOf(set: string, transform: string, group: RobustnessRow['group'], truth: boolean[], answers: Answer[], clean: Answer[], threshold: number, cleanRow?: RobustnessRow): RobustnessRow {
  const malignant = truth.filter(Boolean).length;
  const benign = truth.length - malignant;
  const said = answers.map((a) => a.p >= threshold);
  const logitChanges = answers.map((a, i) => logit(a.p) - logit(clean[i]!.p));
  const pChanges = answers.map((a, i) => Math.abs(a.p - clean[i]!.p));
  const row: RobustnessRow = {
    set,
    transform,
    group,
    n: truth.length,
    auc: rocAuc(truth, answers.map((a) => a.p)),
    sensitivity: share(said.filter((s, i) => s && truth[i]).length, malignant),
    specificity: share(said.filter((s, i) => !s && !truth[i]).length, benign),
    refused: share(answers.filter((a) => a.refused).length, answers.length),
    not_a_lesion_malignant: share(answers.filter((a, i) => a.notALesion && truth[i]).length, malignant),
    not_a_lesion_benign: share(answers.filter((a, i) => a.notALesion && !truth[i]).length, benign),
    median_logit_change_benign: median(logitChanges.filter((_, i) => !truth[i])),
    median_logit_change_malignant: median(logitChanges.filter((_, i) => truth[i])),
    abs_p_change_median: median(pChanges),
    abs_p_change_p95: quantile(pChanges, 0.95),
    refusal_flips: share(answers.filter((a, i) => a.refused !== clean[i]!.refused).length, answers.length),
    meets: { auc: null, specificity: null, benign_logit: null },
  };
  if (cleanRow) {
    row.meets = {
      auc: row.auc >= cleanRow.auc - TARGETS.aucDrop,
      specificity: row.specificity >= cleanRow.specificity - TARGETS.specificityDrop,
      benign_logit: TARGETS.logitShiftGroups.includes(group as TransformGroup) ? Math.abs(row.median_logit_change_benign) <= TARGETS.benignLogitShift : null,
    };
  }
  return row;
}

/**
 * Runs every transform over every image of each set; the first row of each set is the clean one.
 * Sensitivity and specificity are taken at `threshold`.
 */
export async function runRobustness(
  judge: Judge,
  threshold: number,
  sets: { name: string; images: LabelledImage[] }[],
  transforms: readonly NamedTransform[],
  seed: number,
): Promise<RobustnessReport> {
  const rows: RobustnessRow[] = [];
  for (const { name, images } of sets) {
    const random = seededRandom(seed);
    const clean: Answer[] = [];
    const transformed: Answer[][] = transforms.map(() => []);
    const progress = createProgress(`robustness on ${name} (${transforms.length} transforms)`, images.length);
    for (const image of images) {
      clean.push(await judge(image.file));
      const picture = await readPicture(image.file);
      for (const [t, transform] of transforms.entries()) transformed[t]!.push(await judge(await transform.apply(picture, random)));
      progress.tick();
    }
    progress.finish();
    const truth = images.map((image) => image.label === 'malignant');
    const cleanRow = rowOf(name, 'clean', 'clean', truth, clean, clean, threshold);
    rows.push(cleanRow, ...transforms.map((transform, t) => rowOf(name, transform.name, transform.group, truth, transformed[t]!, clean, threshold, cleanRow)));
  }
  return { threshold, targets: TARGETS, rows };
}

const f = (x: number, digits = 3) => (Number.isNaN(x) ? '–' : x.toFixed(digits));
const signed = (x: number, digits = 2) => (Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? '' : ' ✗');

/** The suite as a markdown table; a ✗ marks a figure that misses its target. */
export function robustnessTable(report: RobustnessReport): string {
  const { targets } = report;
  return [
    `At the card's threshold ${f(report.threshold, 4)}. Targets against the clean row of the same set: AUC within ${targets.aucDrop}, specificity within ${targets.specificityDrop}, and for the frame and markings rows |median change of the benign images' calibrated logit| at most ${targets.benignLogitShift}; ✗ marks a miss. "Refused" counts the quality gate and "not a lesion" together; "flips" is the share refused one way and answered the other.`,
    '',
    '| set | transform | AUC | sensitivity | specificity | refused | median Δ logit, benign / malignant | \\|Δp\\| median / p95 | flips |',
    '|---|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.set} | ${r.transform} | ${f(r.auc)}${mark(r.meets.auc)} | ${f(r.sensitivity)} | ${f(r.specificity)}${mark(r.meets.specificity)} | ${f(r.refused)} | ${signed(r.median_logit_change_benign)}${mark(r.meets.benign_logit)} / ${signed(r.median_logit_change_malignant)} | ${f(r.abs_p_change_median)} / ${f(r.abs_p_change_p95)} | ${f(r.refusal_flips)} |`,
    ),
    '',
    // a malignant lesion refused as "not a lesion" is a miss; a benign one only costs a retake
    ...report.rows
      .filter((r) => r.group === 'clean')
      .map((r) => `Refused as "not a lesion" on clean ${r.set} (${r.n} images): ${f(100 * r.not_a_lesion_malignant, 1)}% of malignant (each a miss), ${f(100 * r.not_a_lesion_benign, 1)}% of benign.`),
  ].join('\n');
}

const CARD_COLUMNS = ['set', 'transform', 'n', 'auc', 'sensitivity', 'specificity', 'refused', 'median_logit_change_benign', 'median_logit_change_malignant', 'abs_p_change_median', 'abs_p_change_p95', 'refusal_flips'] as const;

/** The suite as the model card keeps it: one array a row under named columns, figures to 3 digits as in the table (the model folder stays under 6 MB). */
export function robustnessForCard(report: RobustnessReport) {
  const figure = (value: string | number) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(3)) : value);
  return {
    threshold: report.threshold,
    targets: report.targets,
    columns: CARD_COLUMNS,
    rows: report.rows.map((row) => CARD_COLUMNS.map((column) => figure(row[column]))),
  };
}
