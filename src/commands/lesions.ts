import { shortVerdict } from '../capture/verdict.js';
import { noChangeReason, summariseVisits } from '../lesions/followUp.js';
import type { Capture, Lesion } from '../store/sessionLog.js';
import { alignedColumns } from './columns.js';
import { writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';
import { LESIONS_OPTIONS, parseOptions } from './options.js';

/** `dermacam lesions [--patient <ref>] [--data-dir <dir>]`: the lesions followed, with their visits and what changed. */
export async function lesionsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(LESIONS_OPTIONS, argv);
  const log = await openExistingLog(values['data-dir'], io);
  if (!log) return 0;
  try {
    const lesions = log.lesions(values.patient);
    if (lesions.length === 0) {
      writeLine(io.stdout, values.patient === undefined ? '(no lesions followed yet)' : `(no lesions followed for patient ${values.patient})`);
      return 0;
    }
    const rows = lesions.map((lesion) => lesionLines(lesion, log.capturesOfLesion(lesion.id)));
    const header = ['lesion', 'patient ref', 'body site', 'latest answer'];
    const table = alignedColumns([header, ...rows.map(({ row }) => row)]);
    writeLine(io.stdout, table[0]!);
    rows.forEach(({ below }, i) => {
      writeLine(io.stdout, table[i + 1]!);
      for (const line of below) writeLine(io.stdout, `${INDENT}${line}`);
    });
    return 0;
  } finally {
    await log.close();
  }
}

/** The lines under a lesion's row start here, so that the row's columns stand out. */
const INDENT = '  ';

/**
 * A lesion's row of short columns (the latest answer in the words of the app's lists: `REFER 45%`), and the lines under it: its visits and id, and what changed.
 * Kept apart from the row, they fit 80 columns.
 */
function lesionLines(lesion: Lesion, visits: Capture[]): { row: string[]; below: string[] } {
  const { count, lastSeen, latest, flag } = summariseVisits(visits);
  const row = [lesion.label, lesion.patient_ref, lesion.body_site ?? '', latest ? shortVerdict(latest) : ''];
  const seen = lastSeen ? `, last seen ${lastSeen.slice(0, 10)}` : '';
  const visitsLine = `${count} ${count === 1 ? 'visit' : 'visits'}${seen} · id ${lesion.id}`;
  return { row, below: [visitsLine, flag ?? noChangeReason(visits)] };
}
