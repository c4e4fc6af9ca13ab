import { existsSync } from 'node:fs';
import { access, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../classifier/backend.js';
import { readLayersFolder } from '../classifier/layersFolder.js';
import { readModelCard } from '../classifier/modelCard.js';
import { readGaussian } from '../classifier/outOfDistribution.js';
import { DATABASE_FILE, SessionLog } from '../store/sessionLog.js';
import { verifySessionLog } from '../store/verify.js';
import { DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR, writeLine, type CommandIO } from './io.js';

interface Check {
  name: string;
  /** `absent`: an optional part that is not installed, which is not a failure. */
  status: 'ok' | 'absent' | 'fail';
  detail: string;
}

const STATUS_WORD = { ok: 'ok  ', absent: '--  ', fail: 'FAIL' } as const;

/**
 * `dermacam doctor [--data-dir <dir>] [--model <dir>] [--verify]`: what works on this machine and
 * what does not; `--verify` also walks the session log's hash chain and every image's sha256.
 */
export async function doctorCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, model: { type: 'string' }, verify: { type: 'boolean', default: false } },
  });
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  const checks = [
    await checkModel(values.model ?? DEFAULT_MODEL_DIR),
    ...(await checkBackends(io)),
    await checkCamera(),
    await checkSessionLog(dataDir),
    ...(values.verify ? [await checkChain(dataDir)] : []),
  ];
  for (const check of checks) writeLine(io.stdout, `${STATUS_WORD[check.status]}  ${check.name.padEnd(14)}${check.detail}`);
  return checks.some((check) => check.status === 'fail') ? 1 : 0;
}

async function checkModel(dir: string): Promise<Check> {
  try {
    const [folder, card] = await Promise.all([readLayersFolder(dir), readModelCard(dir)]);
    if (folder.weightsSha256 !== card.weights_sha256) {
      return { name: 'model', status: 'fail', detail: `${dir}: weights sha256 ${folder.weightsSha256.slice(0, 12)} does not match the card's ${card.weights_sha256.slice(0, 12)}` };
    }
    if (card.out_of_distribution) await readGaussian(dir, card.out_of_distribution); // throws when it does not match the card
    const checked = card.out_of_distribution ? 'weights and "not a lesion" check match their card' : 'checksum matches its card';
    return { name: 'model', status: 'ok', detail: `${card.name}@${card.weights_sha256.slice(0, 12)} (${checked}), ${dir}` };
  } catch (error) {
    return { name: 'model', status: 'fail', detail: (error as Error).message };
  }
}

async function checkBackends(io: CommandIO): Promise<Check[]> {
  const checks: Check[] = [];
  for (const name of ['node', 'wasm', 'cpu'] as BackendName[]) {
    try {
      await selectBackend(io.tf, name);
      checks.push({ name: `backend ${name}`, status: 'ok', detail: 'available' });
    } catch (error) {
      checks.push({ name: `backend ${name}`, status: name === 'node' ? 'absent' : 'fail', detail: (error as Error).message });
    }
  }
  try {
    checks.push({ name: 'backend auto', status: 'ok', detail: `would use ${await selectBackend(io.tf, 'auto')}` });
  } catch (error) {
    checks.push({ name: 'backend auto', status: 'fail', detail: (error as Error).message });
  }
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

async function checkChain(dataDir: string): Promise<Check> {
  if (!existsSync(path.join(dataDir, DATABASE_FILE))) return { name: 'log chain', status: 'absent', detail: 'no session log to verify' };
  let log: SessionLog;
  try {
    log = await SessionLog.open(dataDir);
  } catch (error) {
    return { name: 'log chain', status: 'fail', detail: (error as Error).message };
  }
  try {
    const report = await verifySessionLog(log);
    return report.firstBroken
      ? { name: 'log chain', status: 'fail', detail: `broken at capture ${report.firstBroken.captureId}: ${report.firstBroken.reason}` }
      : { name: 'log chain', status: 'ok', detail: `${report.captures} captures: hash chain and images intact` };
  } finally {
    log.close();
  }
}

async function checkSessionLog(dataDir: string): Promise<Check> {
  const file = path.join(dataDir, 'dermacam.db');
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return { name: 'session log', status: 'absent', detail: `none yet at ${file} (created at the first capture)` };
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
