import path from 'node:path';
import { loadClassifier, type Explanation } from '../classifier/classifier.js';
import { ACTION_WORDS, actionOf } from '../capture/verdict.js';
import type { Label } from '../classifier/decision.js';
import { NOT_A_MEDICAL_DEVICE } from '../disclaimer.js';
import { UserError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { explanationPng } from '../explain/heatOverlay.js';
import { readRegularFile } from '../regularFile.js';
import { writeExportFile } from '../store/exportFile.js';
import { describeStoreFailure, StoreError } from '../store/storeErrors.js';
import { escapeControlCharacters, formatPercent } from '../text.js';
import { expandImageInputs, isEmptyFolder, noImagesSentence } from './imageFiles.js';
import { progressOnTerminal } from './progress.js';
import { parseBackend, writeLine, type CommandIO } from './io.js';
import { CLASSIFY_OPTIONS, parseOptions } from './options.js';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * `dermacam classify <image|folder>... [--json] [--explain <dir>] [--model <dir>] [--backend ...]`;
 * `--explain` also writes each picture's occlusion map as `<dir>/<name>.explain.png`.
 */
export async function classifyCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseOptions(CLASSIFY_OPTIONS, argv, { positionals: true });
  if (positionals.length === 0) throw new UserError('Name at least one image or folder to classify.');
  const inputs = await expandImageInputs(positionals);
  const emptyFolders = inputs.filter(isEmptyFolder);
  // nothing but folders without images: nothing to classify, and no image to count as unreadable
  if (emptyFolders.length === inputs.length) throw new UserError(noImagesSentence(emptyFolders.map((input) => input.file)));
  const classifier = await loadClassifier({ tf: io.tf, modelDir: values.model, backend: parseBackend(values.backend) });
  if (!values.json) writeLine(io.stdout, `model ${classifier.modelId}, backend ${classifier.backend}, threshold ${formatPercent(classifier.threshold)} p(malignant)\n${NOT_A_MEDICAL_DEVICE}`);
  for (const reason of classifier.skippedBackends) writeLine(io.stderr, `backend auto passed over ${reason}`);

  let failures = 0;
  const progress = progressOnTerminal(io.stderr, inputs.length, 'classified');
  const labels: Record<string, number> = {};
  const explanations = values.explain === undefined ? undefined : await explanationWriter(values.explain);
  for (const input of inputs) {
    let result: Record<string, unknown>;
    if ('error' in input) {
      result = { file: input.file, error: input.error };
    } else {
      try {
        const image = await readRegularFile(input.opens ?? input.file); // read once, for the answer and for its map
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
    // a folder without images is no image: it gets its line, and is counted apart from the unreadable ones
    if ('error' in result) failures += isEmptyFolder(input) ? 0 : 1;
    else labels[result.label as string] = (labels[result.label as string] ?? 0) + 1;
    writeLine(io.stdout, values.json ? JSON.stringify(result) : isEmptyFolder(input) ? `${escapeControlCharacters(input.file)}: ${result.error}` : humanLine(result));
    progress.tick();
  }
  classifier.dispose();
  // the app's words for what to do, as its lists write them
  const counts = ANSWER_ORDER.map((label) => `${labels[label] ?? 0} ${ACTION_WORDS[actionOf(label).action]}`);
  const images = inputs.length - emptyFolders.length;
  const folders = emptyFolders.length === 0 ? '' : `; ${emptyFolders.length} ${emptyFolders.length === 1 ? 'folder' : 'folders'} without images`;
  const summary = progress.finish(`Classified ${images - failures} of ${images} images: ${counts.join(', ')}, ${failures} unreadable${folders}`);
  // the summary never mixes into JSON lines: with --json it goes to a terminal's stderr only
  if (!values.json) writeLine(io.stdout, summary);
  else if (progress.live) writeLine(io.stderr, summary);
  return failures + emptyFolders.length > 0 ? 1 : 0;
}

/** The answers in the order the summary counts them: the most urgent first. */
const ANSWER_ORDER: Label[] = ['malignant', 'benign', 'uncertain', 'rejected'];

function humanLine(result: Record<string, unknown>): string {
  const file = escapeControlCharacters(result.file as string);
  if ('error' in result) return `${file}: cannot classify: ${result.error}`;
  const { reasons } = result.quality as { reasons: string[] };
  // a refused picture gets no probability on screen; --json keeps it for research
  const explained = result.explain ? `; map ${escapeControlCharacters(result.explain as string)}` : result.explain_error ? `; no map: ${result.explain_error}` : '';
  // the words the app's main screen leads with (REFER to a clinician, NO REFERRAL SUGGESTED, ...); --json keeps the label
  const { headline } = actionOf(result.label as Label);
  if (result.label === 'rejected') return `${file}: ${headline}: ${reasons.join('; ')} (${result.ms} ms${explained})`;
  const p = formatPercent(result.p_malignant as number);
  return `${file}: ${headline} (p malignant ${p}, ${result.ms} ms${explained})`;
}

/** Writes explanation images into `dir` (made private if new), one name per picture even where two folders hold the same file name. */
async function explanationWriter(dir: string) {
  await makeFolders(dir).catch((error: unknown) => {
    throw new StoreError(`The explanation maps cannot be written: ${describeStoreFailure(error, dir)}.`);
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
