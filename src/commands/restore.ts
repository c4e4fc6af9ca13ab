import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import { CopyNotVerified, type CopyOutcome } from '../store/backup.js';
import { restoreDataFolder } from '../store/restore.js';
import { describeImages, reportCopy, verifyDataFolder } from './backup.js';
import { writeLine, type CommandIO } from './io.js';
import { parseOptions, RESTORE_OPTIONS } from './options.js';

/**
 * `dermacam restore <backup> --data-dir <dir>`: verifies the backup, copies it into an empty data
 * folder and verifies the result. Exit 0 when restored, 1 when the backup or the copy did not
 * verify (nothing is left in the data folder), 2 when it was refused.
 */
export async function restoreCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseOptions(RESTORE_OPTIONS, argv, { positionals: true });
  if (positionals.length !== 1) throw new UserError('dermacam restore takes one backup folder: dermacam restore <backup> --data-dir <dir>.');
  const dataDir = values['data-dir'];
  if (!dataDir) throw new UserError('dermacam restore needs --data-dir <dir>: the empty data folder to restore into.');
  const backup = positionals[0]!;
  const started = performance.now();
  let outcome: CopyOutcome;
  try {
    outcome = await restoreDataFolder({ backup, dataDir, verify: verifyDataFolder });
  } catch (error) {
    if (!(error instanceof CopyNotVerified)) throw error;
    writeLine(io.stderr, `dermacam: ${error.message}`);
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  writeLine(io.stdout, `Restored ${outcome.captures} captures (journal entry ${outcome.head.seq}) from ${backup} into ${dataDir} in ${seconds} s: ${describeImages(outcome)}.`);
  reportCopy(io, outcome);
  return 0;
}
