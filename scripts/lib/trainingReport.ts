import { writeFileSync } from 'node:fs';
import type { Interval, MetricsReport } from '../../src/metrics/index.js';
import type { Recipe, RowResult } from './ablation.js';
import type { ShippedEvaluation } from './shippedEval.js';

const f = (x: number | undefined, digits = 3) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const withCi = (value: number, ci: Interval) => `${f(value)} [${f(ci.low)}, ${f(ci.high)}]`;

function metricsTable(report: MetricsReport): string {
  const rows: [string, number, Interval][] = [
    ['AUC', report.auc, report.ci.auc],
    ['Sensitivity (recall)', report.recall, report.ci.recall],
    ['Specificity', report.specificity, report.ci.specificity],
    ['F1', report.f1, report.ci.f1],
    ['Precision', report.precision, report.ci.precision],
    ['FP rate', report.fp_rate, report.ci.fp_rate],
    ['Accuracy', report.accuracy, report.ci.accuracy],
    ['ECE (10 bins)', report.ece, report.ci.ece],
  ];
  const { tp, fp, tn, fn } = report.confusion;
  return [
    '| metric | value [95% CI] |',
    '|---|---|',
    ...rows.map(([name, value, ci]) => `| ${name} | ${withCi(value, ci)} |`),
    '',
    `Confusion matrix at threshold ${f(report.threshold, 4)} (n = ${report.n}): TP ${tp}, FN ${fn}, FP ${fp}, TN ${tn}.`,
  ].join('\n');
}

/** The markdown report of one training run: ablation on val, then the shipped model on test. */
export function writeTrainingReport(
  file: string,
  run: { rows: RowResult[]; recipe: Recipe; evaluation: ShippedEvaluation; command: string },
): void {
  const { evaluation: e } = run;
  const ablation = [
    '| step | kept | HAM val AUC | spec. at sens. 0.90 (val) | held-out fold AUC | isic-extra val AUC | best epochs | time (s) |',
    '|---|---|---|---|---|---|---|---|',
    ...run.rows.map(
      (r) =>
        `| ${r.step} | ${r.kept ? 'yes' : 'no'} | ${f(r.valAuc)}${r.valAucSd !== undefined ? ` ± ${f(r.valAucSd)} (ensemble ${f(r.ensembleValAuc)})` : ''} | ${f(r.specificityAtSens90)} | ${
          r.heldOutAuc !== undefined ? `${f(r.heldOutAuc)} ± ${f(r.heldOutAucSd)}` : '–'
        } | ${f(r.isicValAuc)} | ${r.epochs} | ${r.seconds.toFixed(0)} |`,
    ),
  ].join('\n');
  const b = e.balancedTest;
  const text = `# Training report

Command: \`npm run train -- ${run.command}\`

## Ablation (HAM10000 val split, lesion-disjoint)

With cross-validation, "HAM val AUC" is the mean ± standard deviation over the fold models, and
"spec. at sens. 0.90" is that of their ensemble; "held-out fold AUC" is each fold model on the
training images it did not see (HAM and isic-extra mixed, so higher than HAM val). Early
stopping watches HAM val in every row.

${ablation}

Chosen recipe: \`${JSON.stringify(run.recipe)}\`

## Shipped model

Calibration on HAM val: temperature ${f(e.calibration.temperature, 4)}, bias ${f(e.calibration.bias, 4)}.
Threshold ${f(e.threshold, 4)}: the highest with sensitivity ≥ 0.90 on HAM val.
Float16 weights vs float32 features on HAM val: AUC ${f(e.float16Check.valAucShipped, 4)} vs ${f(e.float16Check.valAucFromFeatures, 4)},
largest logit difference ${f(e.float16Check.maxAbsLogitDifference, 4)}.

### HAM10000 test split (lesion-disjoint; 95% intervals from 1000 bootstrap resamples of lesions)

${metricsTable(e.test)}

### Balanced subsample of the test split (all ${b.confusion.tp + b.confusion.fn} malignant + as many benign, seeded)

| | this model | paper (image-level split) |
|---|---|---|
| F1 | ${withCi(b.f1, b.ci.f1)} | 0.9106 |
| Recall | ${withCi(b.recall, b.ci.recall)} | 0.9198 |
| FP rate | ${withCi(b.fp_rate, b.ci.fp_rate)} | 0.0965 |

### HAM10000 val split (used for calibration and threshold, so optimistic)

${metricsTable(e.val)}

Latency (${e.backend}, ${e.machine}): p50 ${f(e.latencyMs.p50, 1)} ms, p95 ${f(e.latencyMs.p95, 1)} ms per image, preprocessing included.
`;
  writeFileSync(file, text);
}
