import { once } from 'node:events';
import path from 'node:path';
import { appVersion } from '../appVersion.js';
import type { Equipment } from '../dicom/equipment.js';
import { UserError } from '../errors.js';
import { CONFIG_FILE, readPacsConfig } from '../outbox/config.js';
import { capturesCsvChunks } from '../store/csvExport.js';
import { writeExportFile } from '../store/exportFile.js';
import { describeStoreFailure, StoreError } from '../store/storeErrors.js';
import type { Capture, Lesion, Session, SessionLog } from '../store/sessionLog.js';
import { escapeControlCharacters } from '../text.js';
import { writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';
import { EXPORT_OPTIONS, parseOptions } from './options.js';

/**
 * `dermacam export [--session <id> | --all] [--out <file.csv> | --dicom <dir>] [--data-dir <dir>] [--config <file>]`;
 * default: the latest session as CSV to stdout. `--dicom` writes each capture as a DICOM file, naming the
 * device as the configuration says.
 */
export async function exportCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(EXPORT_OPTIONS, argv);
  if (values.session && values.all) throw new UserError('Give either --session <id> or --all, not both.');
  if (values.out && values.dicom) throw new UserError('Give either --out <file.csv> or --dicom <dir>, not both.');
  const dataDir = values['data-dir'];
  // the objects name this device as the configuration says, as the ones sent to a PACS do
  const equipment = values.dicom ? (await readPacsConfig(values.config ?? path.join(dataDir, CONFIG_FILE), { required: values.config !== undefined })).equipment : {};
  const log = await openExistingLog(dataDir, io);
  if (!log) return 1;
  try {
    const sessions = log.sessions();
    const chosen = values.all ? undefined : (values.session ?? sessions.at(-1)?.id);
    if (chosen !== undefined && !sessions.some((session) => session.id === chosen)) {
      throw new UserError(`There is no session "${chosen}"; dermacam sessions lists them.`);
    }
    // kept with the export, the head lets dermacam doctor --verify later show that no entry up to it was removed
    const head = log.head();
    const captures = log.iterateCaptures(chosen);
    let failed = false;
    try {
      const first = captures.next();
      if (first.done) {
        writeLine(io.stderr, chosen === undefined ? 'The log holds no captures yet; nothing was exported.' : `Session ${chosen} holds no captures; nothing was exported.`);
        return 1;
      }
      const all = withFirst(first.value, captures);
      if (values.dicom) failed = !(await exportDicom(log, values.dicom, all, { replace: values.force, equipment }, io));
      else await exportCsv(sessions, all, log.lesions(), values, io);
    } finally {
      captures.return?.();
    }
    writeLine(io.stderr, `Log head: entry ${head.seq}, sha256 ${head.hash}.`);
    return failed ? 1 : 0;
  } finally {
    await log.close();
  }
}

/** The items of an iterator of which the first has been taken already. */
function* withFirst<T>(first: T, rest: IterableIterator<T>): Generator<T> {
  yield first;
  yield* rest;
}

/** Whether every capture was written; each one that could not be is said in its sentence. */
async function exportDicom(log: SessionLog, dir: string, captures: Iterable<Capture>, { replace, equipment }: { replace: boolean; equipment: Equipment }, io: CommandIO): Promise<boolean> {
  // loaded only here: sharp and dcmjs add 25 MB to a process that exports CSV
  const { writeDicomExport } = await import('../dicom/dicomExport.js');
  const { written, withdrawn, refused, dicomDir } = await writeDicomExport(log, dir, captures, { appVersion: await appVersion(), equipment, replace });
  for (const sentence of refused) writeLine(io.stderr, sentence);
  const left = withdrawn > 0 ? ` (${withdrawn} withdrawn ${withdrawn === 1 ? 'capture' : 'captures'} left out)` : '';
  writeLine(io.stderr, `Wrote ${written.length} DICOM ${written.length === 1 ? 'file' : 'files'} to ${dir}${left}.`);
  writeLine(io.stderr, dicomDir.made ? `Indexed the folder in ${path.join(dir, 'DICOMDIR')}.` : `No DICOMDIR was made: ${dicomDir.why}; the files are complete without it.`);
  return refused.length === 0;
}

/** The CSV, written as the captures are read: to --out (whole or not at all), or to stdout. */
async function exportCsv(sessions: Session[], captures: Iterable<Capture>, lesions: Lesion[], { out, force }: { out?: string; force: boolean }, io: CommandIO): Promise<void> {
  let count = 0;
  const chunks = capturesCsvChunks(sessions, counted(captures, () => count++), lesions);
  if (out === undefined) return writeChunks(io.stdout, chunks);
  await writeExportFile(out, chunks, { replace: force });
  writeLine(io.stderr, `Wrote ${count} captures to ${escapeControlCharacters(out)}.`);
}

/** The items, calling `onEach` as each is taken. */
function* counted<T>(items: Iterable<T>, onEach: () => void): Generator<T> {
  for (const item of items) {
    onEach();
    yield item;
  }
}

/**
 * Writes chunks to a stream, waiting for it to drain when its buffer is full, so that a slow reader
 * never makes the export pile up in memory. A reader that has gone (`export | head`) ends the
 * writing quietly, as it ends any filter's; any other failure of the stream ends it in one sentence.
 */
async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let failure: NodeJS.ErrnoException | undefined;
  // left in place: an error reported after the last write must not end the process with a stack trace
  stream.on('error', (error: NodeJS.ErrnoException) => (failure ??= error));
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain').catch(() => undefined); // the listener above keeps the error
    if (failure) break;
  }
  if (failure && failure.code !== 'EPIPE') throw new StoreError(`The export stopped: ${describeStoreFailure(failure, 'the output')}.`);
}
