import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import { copyDataFolder, CopyNotVerified, type CopyOutcome, type Verdict } from '../store/backup.js';
import { LAST_BACKUP_FILE } from '../store/lastBackup.js';
import { checkLog } from './doctor.js';
import { writeLine, type CommandIO } from './io.js';
import { BACKUP_OPTIONS, parseOptions } from './options.js';

/**
 * `dermacam backup --out <dir> [--data-dir <dir>]`: a copy of the data folder that is a data
 * folder itself, verified with doctor --verify's checks; safe while the app captures. Exit 0 when
 * the copy verified, 1 when it did not (it was undone), 2 when it could not be made.
 */
export async function backupCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(BACKUP_OPTIONS, argv);
  if (!values.out) throw new UserError('dermacam backup needs --out <dir>: the folder to copy into, such as a USB stick.');
  const dataDir = values['data-dir'];
  const started = performance.now();
  let outcome: CopyOutcome;
  try {
    outcome = await copyDataFolder({ from: dataDir, to: values.out, verify: verifyDataFolder, record: true });
  } catch (error) {
    if (!(error instanceof CopyNotVerified)) throw error;
    writeLine(io.stderr, `dermacam: ${error.message}`);
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  writeLine(io.stdout, `Backed up ${outcome.captures} captures (journal entry ${outcome.head.seq}) into ${values.out} in ${seconds} s: ${describeImages(outcome)}.`);
  reportCopy(io, outcome);
  if (outcome.unrecorded) writeLine(io.stderr, `The backup is complete, but its time could not be written to ${dataDir}/${LAST_BACKUP_FILE}: ${outcome.unrecorded}.`);
  return 0;
}

/** What happened to the images, in one clause. */
export function describeImages({ copied, kept, resumed, removed, bytesCopied }: CopyOutcome): string {
  return [
    `${copied} images copied (${(bytesCopied / 1024 / 1024).toFixed(1)} MB)`,
    `${kept} already there`,
    ...(resumed > 0 ? [`${resumed} copied by an interrupted backup`] : []),
    ...(removed > 0 ? [`${removed} of withdrawn captures removed`] : []),
  ].join(', ');
}

/** The verification's own words, its notes, and what was put right first. */
export function reportCopy(io: CommandIO, outcome: CopyOutcome): void {
  if (outcome.recovered === 'undone') writeLine(io.stdout, 'An interrupted backup was undone first.');
  if (outcome.verified) writeLine(io.stdout, `Verified: ${outcome.verified}.`);
  for (const note of outcome.notes) writeLine(io.stdout, `Note: ${note}.`);
  writeLine(io.stdout, `Log head: entry ${outcome.head.seq}, sha256 ${outcome.head.hash}.`);
}

/** `doctor --verify`'s check of a data folder's log (checkLog), as a verdict: it passed when nothing failed and the log was checked. */
export async function verifyDataFolder(dataDir: string): Promise<Verdict> {
  const checks = await checkLog({ dataDir, repair: false });
  const failures = checks.filter((check) => check.status === 'fail');
  const passed = checks.find((check) => check.name === 'log' && check.status === 'ok');
  const absent = checks.find((check) => check.status === 'absent');
  return {
    ok: failures.length === 0 && passed !== undefined,
    problem: failures[0]?.detail ?? absent?.detail,
    failures: failures.length,
    notes: checks.filter((check) => check.status === 'note').map((check) => check.detail),
    summary: passed?.detail,
  };
}
