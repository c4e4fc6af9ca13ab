import { parseArgs } from 'node:util';
import { summariseVisits } from '../lesions/followUp.js';
import { alignedColumns } from './columns.js';
import { DEFAULT_DATA_DIR, writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';

/** `dermacam lesions [--patient <ref>] [--data-dir <dir>]`: the lesions followed, with their visits and what changed. */
export async function lesionsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { patient: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const log = await openExistingLog(values['data-dir'] ?? DEFAULT_DATA_DIR, io);
  if (!log) return 0;
  try {
    const lesions = log.lesions(values.patient);
    if (lesions.length === 0) {
      writeLine(io.stdout, values.patient === undefined ? '(no lesions followed yet)' : `(no lesions followed for patient ${values.patient})`);
      return 0;
    }
    const rows = lesions.map((lesion) => {
      const { count, lastSeen, latest, flag } = summariseVisits(log.capturesOfLesion(lesion.id));
      return [
        lesion.label,
        lesion.patient_ref,
        lesion.body_site ?? '',
        String(count),
        lastSeen?.slice(0, 10) ?? '',
        latest ? `${(latest.p_malignant! * 100).toFixed(1)}% ${latest.label}` : '',
        flag ?? '',
        lesion.id,
      ];
    });
    const header = ['lesion', 'patient ref', 'body site', 'captures', 'last seen', 'latest p(malignant)', 'change since the visit before', 'id'];
    for (const line of alignedColumns([header, ...rows])) writeLine(io.stdout, line);
    return 0;
  } finally {
    await log.close();
  }
}
