import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadClassifier, type Explanation } from '../classifier/classifier.js';
import { UserError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { explanationPng } from '../explain/heatOverlay.js';
import { readRegularFile } from '../regularFile.js';
import { writeExportFile } from '../store/exportFile.js';
import { describeWriteFailure, StoreError } from '../store/storeErrors.js';
import { escapeControlCharacters, formatPercent } from '../text.js';
import { expandImageInputs } from './imageFiles.js';
import { progressOnTerminal } from './progress.js';
import { DEFAULT_MODEL_DIR, parseBackend, writeLine, type CommandIO } from './io.js';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * `dermacam classify <image|folder>... [--json] [--explain <dir>] [--model <dir>] [--backend ...]`;
 * `--explain` also writes each picture's occlusion map as `<dir>/<name>.explain.png`.
 */
export async function classifyCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, explain: { type: 'string' }, model: { type: 'string' }, backend: { type: 'string' } },
  });
  if (positionals.length === 0) throw new UserError('Name at least one image or folder to classify.');
  const classifier = await loadClassifier({ tf: io.tf, modelDir: values.model ?? DEFAULT_MODEL_DIR, backend: parseBackend(values.backend) });
  if (!values.json) writeLine(io.stdout, `model ${classifier.modelId}, backend ${classifier.backend}, threshold ${formatPercent(classifier.threshold)} p(malignant)`);
  for (const reason of classifier.skippedBackends) writeLine(io.stderr, `backend auto passed over ${reason}`);

  let failures = 0;
  const inputs = await expandImageInputs(positionals);
  const progress = progressOnTerminal(io.stderr, inputs.length, 'classified');
  const labels: Record<string, number> = {};
  const explanations = values.explain === undefined ? undefined : await explanationWriter(values.explain);
  for (const input of inputs) {
    let result: Record<string, unknown>;
    if ('error' in input) {
      result = { file: input.file, error: input.error };
    } else {
      try {
        const image = await readRegularFile(input.file); // read once, for the answer and for its map
        const prediction = await classifier.classifyFile(image);
        result = {
          file: input.file,
          p_malignant: round(prediction.p_malignant, 4),
          label: prediction.label,
          threshold: round(classifier.threshold, 4),
          quality: prediction.quality,
          ...(prediction.ood_score !== null && { ood: { score: round(prediction.ood_score, 2), threshold: round(classifier.card.out_of_distribution!.threshold, 2) } }),
          model: classifier.modelId,
          backend: classifier.backend,
          ms: round(prediction.ms, 1),
          // a map that fails leaves the answer standing, with its own sentence
          ...(explanations && (await explanations.write(input.file, () => classifier.explain(image)))),
        };
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        result = { file: input.file, error: error.message };
      }
    }
    if ('error' in result) failures++;
    else labels[result.label as string] = (labels[result.label as string] ?? 0) + 1;
    writeLine(io.stdout, values.json ? JSON.stringify(result) : humanLine(result));
    progress.tick();
  }
  classifier.dispose();
  const counts = ['benign', 'malignant', 'uncertain', 'rejected'].map((label) => `${labels[label] ?? 0} ${label}`);
  const summary = progress.finish(`Classified ${inputs.length - failures} of ${inputs.length} images: ${counts.join(', ')}, ${failures} unreadable`);
  // the summary never mixes into JSON lines: with --json it goes to a terminal's stderr only
  if (!values.json) writeLine(io.stdout, summary);
  else if (progress.live) writeLine(io.stderr, summary);
  return failures > 0 ? 1 : 0;
}

function humanLine(result: Record<string, unknown>): string {
  const file = escapeControlCharacters(result.file as string);
  if ('error' in result) return `${file}: cannot classify: ${result.error}`;
  const { reasons } = result.quality as { reasons: string[] };
  // a refused picture gets no probability on screen; --json keeps it for research
  const explained = result.explain ? `; map ${escapeControlCharacters(result.explain as string)}` : result.explain_error ? `; no map: ${result.explain_error}` : '';
  if (result.label === 'rejected') return `${file}: rejected: ${reasons.join('; ')} (${result.ms} ms${explained})`;
  const p = formatPercent(result.p_malignant as number);
  return `${file}: ${result.label} (p malignant ${p}, ${result.ms} ms${explained})`;
}

/** Writes explanation images into `dir` (made private if new), one name per picture even where two folders hold the same file name. */
async function explanationWriter(dir: string) {
  await makeFolders(dir).catch((error: unknown) => {
    throw new StoreError(`The explanation maps cannot be written: ${describeWriteFailure(error, dir)}.`);
  });
  const taken = new Set<string>();
  return {
    /** The map's path for the JSON line, or why there is none. */
    async write(file: string, explain: () => Promise<Explanation>): Promise<{ explain: string } | { explain_error: string }> {
      const name = path.basename(file, path.extname(file));
      let out = path.join(dir, `${name}.explain.png`);
      for (let n = 2; taken.has(out); n++) out = path.join(dir, `${name}-${n}.explain.png`);
      taken.add(out);
      try {
        const { pixels, size, map } = await explain();
        await writeExportFile(out, await explanationPng(pixels, size, map), { replace: true });
        return { explain: out };
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        return { explain_error: error.message };
      }
    },
  };
}
