import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AUTO_ORDER, BackendError } from '../classifier/backend.js';
import { readVerifiedModel } from '../classifier/classifier.js';
import { openNetwork } from '../classifier/openNetwork.js';
import { UserError } from '../errors.js';
import { exists, openRegularFile } from '../regularFile.js';
import { outboxAttention } from '../outbox/attention.js';
import { CONFIG_FILE } from '../outbox/config.js';
import { pacsChecks } from '../outbox/pacsChecks.js';
import { checkService } from '../service/serviceStatus.js';
import { LOG_KEY_VARIABLE, readLogKey } from '../store/logKey.js';
import { DATABASE_FILE, SessionLog, UNREFERENCED_FOLDER } from '../store/sessionLog.js';
import { verifySessionLog, type Finding, type VerifyReport } from '../store/verify.js';
import { writeLine, type CommandIO } from './io.js';
import { DOCTOR_OPTIONS, parseOptions } from './options.js';

export interface Check {
  name: string;
  /** `absent`: an optional part that is not installed, which is not a failure; `note`: worth knowing, not a failure. */
  status: 'ok' | 'absent' | 'note' | 'fail';
  detail: string;
}

const STATUS_WORD = { ok: 'ok  ', absent: '--  ', note: 'note', fail: 'FAIL' } as const;

/**
 * `dermacam doctor [--data-dir <dir>] [--model <dir>] [--verify [--repair] [--head <entry>:<sha256>]] [--config <file>]`:
 * what works on this machine and what does not, the PACS destinations included. `--verify` checks the session log's journal,
 * tables, anchor and images, and exits non-zero on any finding; `--repair` moves files that no
 * capture refers to aside; `--head` checks the log against a head printed by an earlier export.
 */
export async function doctorCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(DOCTOR_OPTIONS, argv);
  if ((values.repair || values.head) && !values.verify) throw new UserError('--repair and --head go with --verify.');
  const expectedHead = values.head === undefined ? undefined : parseExpectedHead(values.head);
  const dataDir = values['data-dir'];
  const modelDir = values.model;
  const modelCheck = await checkModel(modelDir);
  const configFile = values.config ?? path.join(dataDir, CONFIG_FILE);
  const checks = [
    modelCheck.check,
    ...(await checkBackends(io, modelDir, modelCheck.model)),
    await checkCamera(),
    await checkService(),
    await checkSessionLog(dataDir),
    ...(await pacsChecks(configFile, { required: values.config !== undefined })),
    ...(await outboxAttention(dataDir, configFile)),
    ...(values.verify ? await checkLog({ dataDir, repair: values.repair, expectedHead }) : []),
  ];
  for (const check of checks) writeLine(io.stdout, `${STATUS_WORD[check.status]}  ${check.name.padEnd(14)}${check.detail}`);
  const failed = [...new Set(checks.filter((check) => check.status === 'fail').map((check) => check.name))];
  writeLine(io.stdout, failed.length > 0 ? `Verdict: NOT READY: fix ${failed.join(', ')} (above).` : `Verdict: ready.${cameraAdvice(checks)}`);
  return failed.length > 0 ? 1 : 0;
}

function cameraAdvice(checks: Check[]): string {
  const camera = checks.find((check) => check.name === 'camera');
  return camera?.status === 'ok' ? '' : ' No webcam here: try dermacam --camera demo, or --camera dir:<folder of pictures>.';
}

type VerifiedModel = Awaited<ReturnType<typeof readVerifiedModel>>;

/** The model's check, and the model itself for the backend checks when it could be read. */
async function checkModel(dir: string): Promise<{ check: Check; model?: VerifiedModel }> {
  try {
    const model = await readVerifiedModel(dir);
    const { card } = model;
    return { model, check: { name: 'model', status: 'ok', detail: `${card.name}@${card.weights_sha256.slice(0, 12)} (weights and "not a lesion" check match their card), ${dir}` } };
  } catch (error) {
    return { check: { name: 'model', status: 'fail', detail: (error as Error).message } };
  }
}

/** Each backend opens the model and runs its parity probe, as the classifier would; `auto` takes the first that passes. */
async function checkBackends(io: CommandIO, modelDir: string, model: VerifiedModel | undefined): Promise<Check[]> {
  if (!model) return [{ name: 'backends', status: 'absent', detail: 'not checked: the model (above) could not be read' }];
  const checks: Check[] = [];
  let chosen: string | undefined;
  /** Why each backend before the chosen one cannot run here, in a few words (on armhf: onnxruntime-node has no build for 32-bit ARM). */
  const passedOver: string[] = [];
  for (const backend of AUTO_ORDER) {
    try {
      const opened = await openNetwork({ request: backend, modelDir, ...model, tf: io.tf });
      opened.network.dispose();
      const parity = opened.parityGap === undefined ? 'no parity reference in the card' : `parity gap ${opened.parityGap.toPrecision(2)}`;
      checks.push({ name: `backend ${backend}`, status: 'ok', detail: `runs the model (${parity})` });
      chosen ??= backend;
    } catch (error) {
      const optional = backend === 'onnx' || backend === 'node';
      const detail = (error as Error).message;
      checks.push({ name: `backend ${backend}`, status: optional ? 'absent' : 'fail', detail });
      if (!chosen) passedOver.push(`${backend}: ${(error instanceof BackendError && error.problem) || detail}`);
    }
  }
  if (!chosen) return [...checks, { name: 'backend auto', status: 'fail', detail: 'no backend can run the model' }];
  checks.push({ name: 'backend auto', status: 'ok', detail: `would use ${chosen}${passedOver.length > 0 ? `; passed over ${passedOver.join('; ')}` : ''}` });
  return checks;
}

async function checkCamera(): Promise<Check> {
  const devices = (await readdir('/dev').catch(() => [] as string[])).filter((name) => /^video\d+$/.test(name)).map((name) => `/dev/${name}`);
  const fswebcam = await onPath('fswebcam');
  const detail = `${devices.length > 0 ? devices.join(', ') : 'no /dev/video* device'}; fswebcam ${fswebcam ? 'installed' : 'not installed (apt-get install fswebcam)'}`;
  return { name: 'camera', status: devices.length > 0 && fswebcam ? 'ok' : 'absent', detail };
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    try {
      await access(path.join(dir, command));
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The most findings listed one per line; the rest are counted. */
const LISTED_FINDINGS = 20;

/** A journal head kept from an earlier export: the journal must still hold that entry. */
interface ExpectedHead {
  seq: number;
  hash: string;
}

function parseExpectedHead(text: string): ExpectedHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  const seq = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(seq)) throw new UserError(`--head takes <entry>:<sha256> as printed by dermacam export, not "${text}".`);
  if (seq === 0) throw new UserError(`--head names entry 0, but journal entries are numbered from 1 (dermacam export prints the head to give).`);
  return { seq, hash: match[2]! };
}

export interface VerifyRequest {
  dataDir: string;
  repair: boolean;
  expectedHead?: ExpectedHead;
  /** How long to wait for captures that may be committing (verifySessionLog's default when left out). */
  settleMs?: number;
}

/** What `doctor --verify` says of the session log: the open, every finding, the head, and with `repair` what was repaired. */
export async function checkLog({ dataDir, repair, expectedHead, settleMs }: VerifyRequest): Promise<Check[]> {
  const database = await fileKind(path.join(dataDir, DATABASE_FILE));
  if (database === 'none') return [{ name: 'log', status: 'absent', detail: 'no session log to verify' }];
  if (database === 'other') return [{ name: 'log', status: 'fail', detail: `not checked: ${path.join(dataDir, DATABASE_FILE)} is not a regular file (SQLite's open of a FIFO would hang)` }];
  let key: Buffer | undefined;
  let log: SessionLog;
  try {
    key = await readLogKey(process.env, dataDir);
    log = await SessionLog.openForReading(dataDir, { key });
  } catch (error) {
    return [{ name: 'log', status: 'fail', detail: (error as Error).message }];
  }
  let report: VerifyReport;
  let findings: Finding[];
  try {
    report = await verifySessionLog(log, { key, settleMs });
    findings = [...report.findings, ...(expectedHead ? checkExpectedHead(log, expectedHead) : [])];
  } catch (error) {
    // every case known is a finding of its own; this keeps an unforeseen one a finding too, not a crash
    return [{ name: 'log', status: 'fail', detail: `${UNFINISHED_CHECK}: ${(error as Error).message}` }];
  } finally {
    await log.close();
  }
  const checks = [...findingChecks(findings), ...report.notes.map((note): Check => ({ name: 'log', status: 'note', detail: note.message }))];
  if (findings.length === 0) {
    const macs = report.keyed ? 'MACs valid' : `MACs not checked (no ${LOG_KEY_VARIABLE})`;
    checks.push({ name: 'log', status: 'ok', detail: `${report.captures} captures, ${report.head.seq} journal entries: journal, tables, images and anchor (up to entry ${report.anchored}) agree; ${macs}` });
  }
  checks.push({ name: 'log head', status: 'ok', detail: `entry ${report.head.seq}, sha256 ${report.head.hash}` });
  const unreferenced = findings.flatMap((finding) => (finding.unreferenced ? [finding.unreferenced] : []));
  const pending = report.notes.flatMap((note) => (note.pendingImage ? [note.pendingImage] : []));
  if (repair && (unreferenced.length > 0 || pending.length > 0)) checks.push(await repairLog(dataDir, key, { unreferenced, pending }));
  return checks;
}

/** What is at a path: nothing, a regular file, or something else (a FIFO, a device, a folder). Links are followed, as SQLite follows them. */
async function fileKind(file: string): Promise<'none' | 'regular' | 'other'> {
  return stat(file).then((info) => (info.isFile() ? 'regular' : 'other'), () => 'none');
}

/** How a check that stopped on an error no finding foresaw begins. */
export const UNFINISHED_CHECK = 'the check of the log stopped before its end';

function findingChecks(findings: Finding[]): Check[] {
  const checks = findings.slice(0, LISTED_FINDINGS).map((finding): Check => ({ name: 'log', status: 'fail', detail: finding.message }));
  if (findings.length > LISTED_FINDINGS) checks.push({ name: 'log', status: 'fail', detail: `... and ${findings.length - LISTED_FINDINGS} more findings` });
  return checks;
}

function checkExpectedHead(log: SessionLog, expected: ExpectedHead): Finding[] {
  const entry = log.journalEntryAt(expected.seq - 1);
  if (!entry) return [{ message: `the journal ends before entry ${expected.seq}, which an earlier export vouched for: entries were removed` }];
  return entry.hash === expected.hash ? [] : [{ message: `journal entry ${expected.seq} differs from the one an earlier export vouched for: the journal was rewritten` }];
}

/**
 * The writable open puts committed images still in their temp files in place; then the files no
 * capture refers to, and that are still there, are moved aside.
 */
async function repairLog(dataDir: string, key: Buffer | undefined, { unreferenced, pending }: { unreferenced: string[]; pending: string[] }): Promise<Check> {
  let log: SessionLog | undefined;
  try {
    log = await SessionLog.open(dataDir, { key });
    const placed = (await Promise.all(pending.map((image) => exists(path.join(dataDir, image))))).filter(Boolean).length;
    const moves = await log.moveAside(unreferenced);
    return { name: 'repair', status: 'ok', detail: describeRepair(dataDir, placed, moves.length) };
  } catch (error) {
    return { name: 'repair', status: 'fail', detail: (error as Error).message };
  } finally {
    await log?.close();
  }
}

function describeRepair(dataDir: string, placed: number, moved: number): string {
  const parts = [
    ...(placed > 0 ? [`put ${placed} committed image(s) in place`] : []),
    ...(moved > 0 || placed === 0 ? [`moved ${moved} file(s) no capture refers to into ${path.join(dataDir, UNREFERENCED_FOLDER)} (nothing deleted; the journal records the move)`] : []),
  ];
  return parts.join('; ');
}


async function checkSessionLog(dataDir: string): Promise<Check> {
  const file = path.join(dataDir, DATABASE_FILE);
  if ((await fileKind(file)) === 'none') return { name: 'session log', status: 'absent', detail: `none yet at ${file} (created at the first capture)` };
  let handle;
  try {
    ({ handle } = await openRegularFile(file)); // not a plain open: a FIFO there would hang it
  } catch (error) {
    return { name: 'session log', status: 'fail', detail: `${file} cannot be read: ${(error as Error).message}` };
  }
  try {
    const header = Buffer.alloc(16);
    await handle.read(header, 0, 16, 0);
    const isSqlite = header.toString('latin1') === 'SQLite format 3\u0000';
    return { name: 'session log', status: isSqlite ? 'ok' : 'fail', detail: isSqlite ? `${file} is an SQLite database` : `${file} is not an SQLite database` };
  } finally {
    await handle.close();
  }
}
