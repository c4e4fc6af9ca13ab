import path from 'node:path';
import { parseArgs } from 'node:util';
import { appVersion } from '../appVersion.js';
import { writeDicomExport } from '../dicom/dicomExport.js';
import { UserError } from '../errors.js';
import { capturesCsv } from '../store/csvExport.js';
import { writeExportFile } from '../store/exportFile.js';
import { DEFAULT_DATA_DIR, writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';

/**
 * `dermacam export [--session <id> | --all] [--out <file.csv> | --dicom <dir>] [--data-dir <dir>]`;
 * default: the latest session as CSV to stdout. `--dicom` writes each capture as a DICOM file.
 */
export async function exportCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      session: { type: 'string' },
      all: { type: 'boolean', default: false },
      out: { type: 'string' },
      dicom: { type: 'string' },
      force: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (values.session && values.all) throw new UserError('Give either --session <id> or --all, not both.');
  if (values.out && values.dicom) throw new UserError('Give either --out <file.csv> or --dicom <dir>, not both.');
  const log = await openExistingLog(values['data-dir'] ?? DEFAULT_DATA_DIR, io);
  if (!log) return 1;
  try {
    const sessions = log.sessions();
    const chosen = values.all ? undefined : (values.session ?? sessions.at(-1)?.id);
    if (chosen !== undefined && !sessions.some((session) => session.id === chosen)) {
      throw new UserError(`There is no session "${chosen}"; dermacam sessions lists them.`);
    }
    const captures = log.captures(chosen);
    if (captures.length === 0) {
      writeLine(io.stderr, chosen === undefined ? 'The log holds no captures yet; nothing was exported.' : `Session ${chosen} holds no captures; nothing was exported.`);
      return 1;
    }
    const head = log.head();
    if (values.dicom) {
      const { written, withdrawn, dicomDir } = await writeDicomExport(log, values.dicom, captures, { appVersion: await appVersion(), replace: values.force });
      const left = withdrawn > 0 ? ` (${withdrawn} withdrawn ${withdrawn === 1 ? 'capture' : 'captures'} left out)` : '';
      writeLine(io.stderr, `Wrote ${written.length} DICOM ${written.length === 1 ? 'file' : 'files'} to ${values.dicom}${left}.`);
      writeLine(io.stderr, dicomDir.made ? `Indexed the folder in ${path.join(values.dicom, 'DICOMDIR')}.` : `No DICOMDIR was made: ${dicomDir.why}; the files are complete without it.`);
    } else {
      const csv = capturesCsv(sessions, captures, log.lesions());
      if (values.out) await writeExportFile(values.out, csv, { replace: values.force });
      else io.stdout.write(csv);
      if (values.out) writeLine(io.stderr, `Wrote ${captures.length} captures to ${values.out}.`);
    }
    // kept with the export, the head lets dermacam doctor --verify later show that no entry up to it was removed
    writeLine(io.stderr, `Log head: entry ${head.seq}, sha256 ${head.hash}.`);
    return 0;
  } finally {
    await log.close();
  }
}
