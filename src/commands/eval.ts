import { parseArgs } from 'node:util';
import { loadClassifier } from '../classifier/classifier.js';
import { UserError } from '../errors.js';
import { metricsReport, type MetricsReport } from '../metrics/index.js';
import { DEFAULT_MODEL_DIR, parseBackend, writeLine, type CommandIO } from './io.js';
import { readLabelsCsv } from './labelsCsv.js';

/** `dermacam eval --labels <csv> [--images <dir>] [--json] [--model <dir>] [--backend ...]` */
export async function evalCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      labels: { type: 'string' },
      images: { type: 'string' },
      json: { type: 'boolean', default: false },
      model: { type: 'string' },
      backend: { type: 'string' },
    },
  });
  if (!values.labels) throw new UserError('Name the labels CSV with --labels <file.csv>.');
  const labelled = await readLabelsCsv(values.labels, values.images);
  const classifier = await loadClassifier({ tf: io.tf, modelDir: values.model ?? DEFAULT_MODEL_DIR, backend: parseBackend(values.backend) });

  const truth: boolean[] = [];
  const probabilities: number[] = [];
  const groups: string[] = [];
  const errors: { file: string; error: string }[] = [];
  for (const item of labelled) {
    try {
      probabilities.push((await classifier.classifyFile(item.file)).p_malignant);
      truth.push(item.malignant);
      groups.push(item.group ?? item.file);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      errors.push({ file: item.file, error: error.message });
      writeLine(io.stderr, `${item.file}: cannot classify: ${error.message}`);
    }
  }
  classifier.dispose();
  if (truth.length === 0) throw new UserError('None of the images in the labels file could be classified.');

  const report = metricsReport(truth, probabilities, classifier.threshold, { groups });
  const output = { ...report, model: classifier.modelId, backend: classifier.backend, errors: errors.length };
  writeLine(io.stdout, values.json ? JSON.stringify(output) : humanReport(report, `${classifier.modelId} on ${classifier.backend}`));
  return errors.length > 0 ? 1 : 0;
}

function humanReport(report: MetricsReport, model: string): string {
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  const line = (name: string, key: keyof MetricsReport['ci']) =>
    `  ${name.padEnd(22)}${f(report[key]).padStart(6)}  [${f(report.ci[key].low)}, ${f(report.ci[key].high)}]`;
  const { tp, fp, tn, fn } = report.confusion;
  return [
    `${report.n} images, model ${model}, threshold ${report.threshold.toFixed(3)}`,
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
