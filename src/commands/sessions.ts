import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';

/** `dermacam sessions [--data-dir <dir>]` */
export async function sessionsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } } });
  const log = await openExistingLog(values['data-dir'] ?? DEFAULT_DATA_DIR, io);
  if (!log) return 0;
  try {
    const sessions = log.sessions().reverse(); // newest first, as the app's history lists them
    writeLine(io.stdout, `${'session'.padEnd(24)}${'started (UTC)'.padEnd(22)}${'operator'.padEnd(18)}${'patient ref'.padEnd(16)}captures`);
    for (const s of sessions) {
      writeLine(io.stdout, `${s.id.padEnd(24)}${s.started_at.slice(0, 19).replace('T', ' ').padEnd(22)}${s.operator.padEnd(18)}${(s.patient_ref ?? '').padEnd(16)}${s.captures}`);
    }
    if (sessions.length === 0) writeLine(io.stdout, '(no sessions yet)');
    return 0;
  } finally {
    await log.close();
  }
}
