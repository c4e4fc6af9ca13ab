import { alignedColumns } from './columns.js';
import { writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';
import { parseOptions, SESSIONS_OPTIONS } from './options.js';

/** `dermacam sessions [--data-dir <dir>]` */
export async function sessionsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(SESSIONS_OPTIONS, argv);
  const log = await openExistingLog(values['data-dir'], io);
  if (!log) return 0;
  try {
    const sessions = log.sessions().reverse(); // newest first, as the app's history lists them
    const rows = sessions.map((s) => [s.id, s.started_at.slice(0, 19).replace('T', ' '), s.operator, s.patient_ref ?? '', String(s.captures)]);
    for (const line of alignedColumns([['session', 'started (UTC)', 'operator', 'patient ref', 'captures'], ...rows])) writeLine(io.stdout, line);
    if (sessions.length === 0) writeLine(io.stdout, '(no sessions yet)');
    return 0;
  } finally {
    await log.close();
  }
}
