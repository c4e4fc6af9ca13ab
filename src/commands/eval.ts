import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadClassifier } from '../classifier/classifier.js';
import type { Label } from '../classifier/decision.js';
import { NOT_A_MEDICAL_DEVICE } from '../disclaimer.js';
import { UserError } from '../errors.js';
import { isImageName } from '../images.js';
import { escapeControlCharacters } from '../text.js';
import { metricsReport, type MetricsReport } from '../metrics/index.js';
import { progressOnTerminal } from './progress.js';
import { parseBackend, writeLine, type CommandIO } from './io.js';
import { EVAL_OPTIONS, parseOptions } from './options.js';
import { readLabelsCsv, type LabelledFile } from './labelsCsv.js';

/** `dermacam eval --labels <csv> [--images <dir>] [--json] [--model <dir>] [--backend ...]` */
export async function evalCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(EVAL_OPTIONS, argv);
  if (!values.labels) throw new UserError('Name the labels CSV with --labels <file.csv>.');
  const labelled = await readLabelsCsv(values.labels, values.images);
  await checkImagesFound(labelled, values.images ?? path.dirname(values.labels), values.labels);
  const classifier = await loadClassifier({ tf: io.tf, modelDir: values.model, backend: parseBackend(values.backend) });

  const truth: boolean[] = [];
  const probabilities: number[] = [];
  const groups: string[] = [];
  const labels: Label[] = [];
  const refusalReasons: Record<string, number> = {};
  const errors: { file: string; error: string }[] = [];
  const progress = progressOnTerminal(io.stderr, labelled.length, 'classified');
  for (const item of labelled) {
    try {
      const prediction = await classifier.classifyFile(item.file);
      probabilities.push(prediction.p_malignant);
      truth.push(item.malignant);
      groups.push(item.group ?? item.file);
      labels.push(prediction.label);
      for (const reason of prediction.quality.reasons) refusalReasons[reason] = (refusalReasons[reason] ?? 0) + 1;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      errors.push({ file: item.file, error: error.message });
      writeLine(io.stderr, `${escapeControlCharacters(item.file)}: cannot classify: ${error.message}`);
    }
    progress.tick();
  }
  classifier.dispose();
  const summary = progress.finish(`Evaluated ${truth.length} of ${labelled.length} images: ${labels.filter((label) => label === 'benign' || label === 'malignant').length} answered, ${labels.filter((label) => label === 'uncertain').length} uncertain, ${labels.filter((label) => label === 'rejected').length} rejected, ${errors.length} unreadable`);
  if (truth.length === 0) throw new UserError('None of the images in the labels file could be classified.');

  // every image at the threshold (the contract's metrics), and the images the model answered for
  const report = metricsReport(truth, probabilities, classifier.threshold, { groups });
  const answeredRows = labels.flatMap((label, i) => (label === 'benign' || label === 'malignant' ? [i] : []));
  const pick = <T>(values: T[]) => answeredRows.map((i) => values[i]!);
  const answered = answeredRows.length > 0 ? metricsReport(pick(truth), pick(probabilities), classifier.threshold, { groups: pick(groups) }) : null;
  const refused = {
    rejected: labels.filter((label) => label === 'rejected').length,
    uncertain: labels.filter((label) => label === 'uncertain').length,
    reasons: refusalReasons,
  };
  const output = { ...report, refused, answered, model: classifier.modelId, backend: classifier.backend, errors: errors.length };
  const model = `${classifier.modelId} on ${classifier.backend}`;
  writeLine(io.stdout, values.json ? JSON.stringify(output) : `${humanEvaluation(report, refused, answered, model)}\n${summary}\n${NOT_A_MEDICAL_DEVICE}`);
  if (values.json && progress.live) writeLine(io.stderr, summary);
  return errors.length > 0 ? 1 : 0;
}

/**
 * Refuses, in one sentence, a run in which not one of the labelled images is there (an empty or wrong
 * --images folder): otherwise every row would fail on its own, for the same reason, after the model had loaded.
 */
async function checkImagesFound(labelled: LabelledFile[], dir: string, csv: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UserError(`The images folder ${dir} does not exist.`);
  if (!info.isDirectory()) throw new UserError(`${dir} is not a folder: --images names the folder that the images of ${csv} are in.`);
  // one image found is enough: a folder of thousands is not looked through before the model loads
  for (const { file } of labelled) if (await stat(file).then(() => true, () => false)) return;
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`The images folder ${dir} cannot be read (${error.code ?? error.message}).`);
  });
  if (!names.some(isImageName)) throw new UserError(`The folder ${dir} holds no images: none of the ${labelled.length} that ${csv} names is there.`);
  throw new UserError(`None of the ${labelled.length} images that ${csv} names is in ${dir}; --images names the folder they are in.`);
}

function humanEvaluation(all: MetricsReport, refused: { rejected: number; uncertain: number; reasons: Record<string, number> }, answered: MetricsReport | null, model: string): string {
  const reasons = Object.entries(refused.reasons).map(([reason, count]) => `${reason}: ${count}`);
  return [
    `All ${all.n} images, whatever the model said (model ${model}):`,
    humanReport(all),
    `Refused: ${refused.rejected} rejected${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}, ${refused.uncertain} uncertain.`,
    answered ? `The ${answered.n} images the model answered for:\n${humanReport(answered)}` : 'The model answered for none of the images.',
  ].join('\n');
}

function humanReport(report: MetricsReport): string {
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  const line = (name: string, key: keyof MetricsReport['ci']) =>
    `  ${name.padEnd(22)}${f(report[key]).padStart(6)}  [${f(report.ci[key].low)}, ${f(report.ci[key].high)}]`;
  const { tp, fp, tn, fn } = report.confusion;
  return [
    `  ${report.n} images, threshold ${report.threshold.toFixed(3)}`,
    `  ${'metric'.padEnd(22)}${'value'.padStart(6)}  95% bootstrap interval`,
    line('AUC', 'auc'),
    line('sensitivity (recall)', 'recall'),
    line('specificity', 'specificity'),
    line('F1', 'f1'),
    line('precision', 'precision'),
    line('FP rate', 'fp_rate'),
    line('accuracy', 'accuracy'),
    line('ECE', 'ece'),
    `  confusion: TP ${tp}  FN ${fn}  FP ${fp}  TN ${tn}`,
  ].join('\n');
}
