import { writeFileSync } from 'node:fs';
import type { ModelCard } from '../../src/classifier/modelCard.js';
import type { Interval, MetricsReport } from '../../src/metrics/index.js';
import type { SubgroupRow, TestEvaluation } from './evaluation.js';
import type { FineTuneExport } from './fineTunedModel.js';
import type { BackendLatency } from './latency.js';
import { robustnessTable, type RobustnessReport } from './robustness.js';

const f = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const withCi = (value: number, ci: Interval) => `${f(value)} [${f(ci.low)}, ${f(ci.high)}]`;
const pair = (value: number | null, ci: [number, number] | null) => (value === null ? '–' : `${f(value)}${ci ? ` [${f(ci[0])}, ${f(ci[1])}]` : ''}`);

export function metricsTable(report: MetricsReport): string {
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

function subgroupTable(title: string, rows: SubgroupRow[]): string {
  return [
    `| ${title} | images | malignant | AUC [95% CI] | sensitivity [95% CI] | specificity [95% CI] |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.group} | ${r.n} | ${r.malignant} | ${pair(r.auc, r.ci.auc)} | ${pair(r.sensitivity, r.ci.sensitivity)} | ${pair(r.specificity, r.ci.specificity)} |`),
  ].join('\n');
}

/** The markdown report of one training run, from its finished model card and the fine-tuning's export. */
export function writeTrainingReport(file: string, card: ModelCard, fineTune: FineTuneExport, robustness: RobustnessReport): void {
  const metrics = card.metrics as {
    ham10000_test: MetricsReport & { answered_only: MetricsReport; refused: TestEvaluation['refused']; subgroups: TestEvaluation['subgroups'] };
    ham10000_test_balanced: MetricsReport;
    ham10000_val: MetricsReport;
    isic_extra_val: MetricsReport;
    quality_gate: Record<string, number>;
  };
  const test = metrics.ham10000_test;
  const b = metrics.ham10000_test_balanced;
  const latency = card.latency as { by_backend: Record<string, BackendLatency> };
  const provenance = card.provenance as { command: string; git_commit: string; data_manifest_sha256: string; stage_seconds: Record<string, number>; machine: string; parity: { maxAbsLogitDifference: number; images: number } };
  const history = fineTune.history.map(
    (h) => `| ${h.epoch! + 1} | ${f(h.train_loss, 4)} | ${f(h.raw_ham_val_auc, 4)} | ${f(h.ema_ham_val_auc, 4)} | ${f(h.raw_isic_val_auc, 4)} | ${f(h.ema_isic_val_auc, 4)} | ${f(h.train_s! / 60, 1)} |`,
  );
  const flips = Object.entries(fineTune.test_time_flips).map(([n, row]) => `| ${n} | ${f(row.ham_val_auc, 4)} | ${f(row.isic_val_auc, 4)} |`);
  const text = `# Training report: ${card.name}

Command: \`${provenance.command}\` (commit ${provenance.git_commit}; data manifest sha256 ${provenance.data_manifest_sha256.slice(0, 16)}; ${provenance.machine}).

${card.architecture}. Input ${card.input.size}x${card.input.size}.

## Fine-tuning (HAM10000 val and isic-extra val AUC after each epoch, no test-time flips)

| epoch | train loss | HAM val AUC (raw) | HAM val AUC (EMA) | isic-extra val AUC (raw) | isic-extra val AUC (EMA) | minutes |
|---|---|---|---|---|---|---|
${history.join('\n')}

Kept: epoch ${fineTune.best.epoch + 1}, ${fineTune.best.weights} weights (HAM val AUC ${f(fineTune.best.ham_val_auc, 4)}).

### Test-time flips on val (the kept weights)

| flips | HAM val AUC | isic-extra val AUC |
|---|---|---|
${flips.join('\n')}

Shipped with ${card.test_time_flips.length} (${card.test_time_flips.join(', ')}): the fewest flips within 0.005 of the best HAM val AUC (each flip costs a forward pass).

## Export and decision rules (val)

- Parity, tfjs ${card.weights_dtype} against PyTorch: largest logit difference ${f(provenance.parity.maxAbsLogitDifference, 5)} over ${provenance.parity.images} HAM val images under 4 flips (limit 0.05).
- Calibration: temperature ${f(card.calibration.temperature, 4)}, bias ${f(card.calibration.bias, 4)}. Threshold ${f(card.threshold, 4)} (${card.threshold_rule}).
- Uncertain band: [${f(card.uncertain_band.low, 4)}, ${f(card.uncertain_band.high, 4)}) (${card.uncertain_band.rule}).
- "Not a lesion": Mahalanobis distance over ${card.out_of_distribution.layer}, threshold ${f(card.out_of_distribution.threshold, 2)} (${card.out_of_distribution.threshold_rule}); measured ${JSON.stringify(card.out_of_distribution.measured)}.
- Quality limits (${card.quality_limits.rule}): ${JSON.stringify({ ...card.quality_limits, rule: undefined })}; pass rates ${JSON.stringify(metrics.quality_gate)}.

## HAM10000 test split (read once; lesion-disjoint; 95% intervals from bootstrap resamples of lesions)

Every image, at the threshold (p(malignant) is given even when the app would refuse):

${metricsTable(test)}

Refused by the app: ${test.refused.rejected} rejected (${test.refused.not_a_lesion} as not a lesion: ${test.refused.not_a_lesion_malignant} malignant, a miss each, and ${test.refused.not_a_lesion_benign} benign), ${test.refused.uncertain} uncertain. The ${test.answered_only.n} answered:

${metricsTable(test.answered_only)}

### Where the model is weaker: HAM10000 test by subgroup (every image, at the threshold)

${subgroupTable('diagnosis', test.subgroups.dx)}

${subgroupTable('age', test.subgroups.age)}

${subgroupTable('sex', test.subgroups.sex)}

${subgroupTable('body site', test.subgroups.localization)}

${subgroupTable('acquisition source (HAM10000 dataset)', test.subgroups.dataset)}

### Balanced subsample of the test split (all malignant + as many benign, seeded)

| | this model | paper (image-level split) |
|---|---|---|
| F1 | ${withCi(b.f1, b.ci.f1)} | 0.9106 |
| Recall | ${withCi(b.recall, b.ci.recall)} | 0.9198 |
| FP rate | ${withCi(b.fp_rate, b.ci.fp_rate)} | 0.0965 |

### Val, per source (used for calibration and threshold, so optimistic)

HAM10000 val:

${metricsTable(metrics.ham10000_val)}

isic-extra val:

${metricsTable(metrics.isic_extra_val)}

## Shortcuts and robustness (val only)

${robustnessTable(robustness)}

## Cost

| backend | capture p50 / p95 ms | forward p50 ms, 1 / 2 / 4 flips |
|---|---|---|
${Object.entries(latency.by_backend).map(([backend, l]) => `| ${backend} | ${f(l.capture_ms.p50, 1)} / ${f(l.capture_ms.p95, 1)} | ${(['1', '2', '4'] as const).map((n) => f(l.forward_ms_by_flips[n].p50, 1)).join(' / ')} |`).join('\n')}

Model folder: ${(card.size_bytes / 1e6).toFixed(2)} MB of weights.

Stage times (s): ${Object.entries(provenance.stage_seconds).map(([stage, s]) => `${stage} ${s}`).join('; ')}.
`;
  writeFileSync(file, text);
}
