/**
 * Scale figures of the session log (part of `npm run bench`, after `npm run build`): builds a log of
 * N captures (once; a later run reuses it) and measures, each in its own process, the wall time and
 * peak resident memory of the built CLI's commands that read the whole log:
 *   npx tsx scripts/bench-log.ts [--captures 100000] [--per-session 20] [--dir .cache/log-100k] [--cli dist/cli.js]
 *
 * The log is written through the store's own API (startSession, addCapture, withdrawCapture) with
 * a clock that steps through working days. Each write flushes its image, its database commit and
 * its anchor line to disk; on a RAM disk (/dev/shm) those flushes cost nothing, so the log is built
 * there and then copied into --dir (100k captures: about a minute, 540 MB).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { SessionLog, type CaptureResult } from '../src/store/sessionLog.js';
import { parseScriptArgs } from './lib/scriptArgs.js';

const { values: args } = parseScriptArgs({
  options: {
    captures: { type: 'string', default: '100000' },
    'per-session': { type: 'string', default: '20' },
    dir: { type: 'string' },
    cli: { type: 'string', default: 'dist/cli.js' },
  },
});
const captureCount = Number(args.captures);
const perSession = Number(args['per-session']);
if (!(Number.isInteger(captureCount) && captureCount > 0 && Number.isInteger(perSession) && perSession > 0)) fail('--captures and --per-session take whole numbers above 0.');
const dataDir = path.resolve(args.dir ?? `.cache/log-${captureCount >= 1000 ? `${captureCount / 1000}k` : captureCount}`);
const cli = path.resolve(args.cli);
if (!existsSync(cli)) fail(`${cli} is not there; npm run build makes it.`);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** One capture in this many is withdrawn (a retake), as in a clinic's log. */
const WITHDRAW_EVERY = 100;
const SESSION_GAP_MS = 3 * 3600_000;
const CAPTURE_GAP_MS = 40_000;

/** A few distinct small JPEGs (96x96, a few kB): real images for the log to hash and verify. */
async function sampleJpegs(count: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 150 + i * 5, g: 100, b: 80 }, noise: { type: 'gaussian', mean: 128, sigma: 20 } } })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
}

/** What the classifier might have said: mostly benign, some malignant or uncertain, one in ten refused by the quality gate. */
function captureResult(random: () => number): CaptureResult {
  const p = random();
  const refused = random() < 0.1;
  const label = refused ? 'rejected' : p >= 0.55 ? 'malignant' : p >= 0.3 ? 'uncertain' : 'benign';
  return {
    p_malignant: refused ? null : Number(p.toFixed(4)),
    label,
    threshold: 0.42,
    uncertain_low: 0.3,
    uncertain_high: 0.55,
    ood_score: Number((random() * 40).toFixed(2)),
    ood_threshold: 31.5,
    model_name: 'dermacam-mnv1-075',
    model_version: '3',
    model_sha256: 'c0ffee'.padEnd(64, '0'),
    backend: 'wasm',
    latency_ms: 40 + random() * 50,
    quality: refused ? { ok: false, reasons: ['too dark'] } : { ok: true, reasons: [] },
    camera: '/dev/video0',
    app_version: '0.1.0',
  };
}

async function buildLog(folder: string): Promise<void> {
  let clock = Date.parse('2021-01-04T08:00:00Z');
  const log = await SessionLog.open(folder, { now: () => new Date(clock) });
  const random = seededRandom(23);
  const jpegs = await sampleJpegs(16);
  const sessions = Math.ceil(captureCount / perSession);
  try {
    for (let s = 0; s < sessions; s++) {
      clock = Date.parse('2021-01-04T08:00:00Z') + s * SESSION_GAP_MS;
      const session = await log.startSession(`operator ${s % 7}`, `P-${String(s % 1500).padStart(6, '0')}`);
      for (let c = 0; c < perSession && s * perSession + c < captureCount; c++) {
        clock += CAPTURE_GAP_MS;
        const capture = await log.addCapture(session.id, jpegs[(s + c) % jpegs.length]!, captureResult(random));
        if ((s * perSession + c) % WITHDRAW_EVERY === WITHDRAW_EVERY - 1) await log.withdrawCapture(capture.id, 'retake');
      }
      if (s % 250 === 0) process.stderr.write(`\rbuilding: ${s * perSession} of ${captureCount} captures`);
    }
  } finally {
    await log.close();
  }
  process.stderr.write(`\rbuilt ${captureCount} captures in ${sessions} sessions.\n`);
}

interface LogFacts {
  captures: number;
  withdrawn: number;
  sessions: number;
  journalEntries: number;
  databaseMb: number;
}

/** What a built log holds, read from its database directly (read-only). */
function logFacts(folder: string): LogFacts {
  const file = path.join(folder, 'dermacam.db');
  const db = new Database(file, { readonly: true });
  try {
    const isLog = (() => {
      try {
        return db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'captures'").get() !== undefined;
      } catch {
        return false; // not a database at all
      }
    })();
    if (!isLog) fail(`${file} is not a dermacam session log; remove it or name another --dir.`);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      captures: count('SELECT count(*) AS n FROM captures'),
      withdrawn: count('SELECT count(*) AS n FROM captures WHERE withdrawn_at IS NOT NULL'),
      sessions: count('SELECT count(*) AS n FROM sessions'),
      journalEntries: count('SELECT count(*) AS n FROM journal'),
      databaseMb: statSync(file).size / 1e6,
    };
  } finally {
    db.close();
  }
}

/** Builds the log on a RAM disk where there is one, and puts it in place whole (a stopped build leaves no half log at --dir). */
async function ensureLog(): Promise<void> {
  if (existsSync(path.join(dataDir, 'dermacam.db'))) {
    const found = logFacts(dataDir).captures;
    if (found !== captureCount) fail(`${dataDir} holds ${found} captures, not ${captureCount}; remove it or name another --dir.`);
    process.stderr.write(`Reusing the log in ${dataDir}.\n`);
    // a log of an older schema is upgraded here, so that no measured command pays for it
    await (await SessionLog.open(dataDir)).close();
    return;
  }
  const scratch = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : path.dirname(dataDir), 'dermacam-bench-log-'));
  const built = path.join(scratch, 'log');
  const staged = `${dataDir}.partial`;
  try {
    const started = performance.now();
    await buildLog(built);
    process.stderr.write(`Build took ${((performance.now() - started) / 1000).toFixed(0)} s; copying it to ${dataDir}.\n`);
    rmSync(staged, { recursive: true, force: true });
    mkdirSync(path.dirname(dataDir), { recursive: true });
    cpSync(built, staged, { recursive: true, preserveTimestamps: true });
    renameSync(staged, dataDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface Measure {
  command: string;
  code: number;
  seconds: number;
  peakRssMb: number;
}

/** Loaded into the child before the CLI: at exit it writes the process's own peak RSS (kB) to a file. */
const REPORT_PEAK_RSS = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.BENCH_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));",
)}`;

/** Runs the CLI in a process of its own, its stdout thrown away, and measures its wall time and peak RSS. */
function measure(cliArgs: string[], scratch: string): Promise<Measure> {
  const rssFile = path.join(scratch, 'peak-rss');
  rmSync(rssFile, { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_PEAK_RSS, cli, ...cliArgs], {
    env: { ...process.env, BENCH_PEAK_RSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) process.stderr.write(`dermacam ${cliArgs.join(' ')} exited ${code}:\n${stderr.slice(-2000)}\n`);
      const peakRssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
      resolve({ command: `dermacam ${cliArgs.join(' ')}`.replaceAll(dataDir, '<log>').replaceAll(scratch, '<tmp>'), code: code ?? -1, seconds, peakRssMb });
    });
  });
}

function describeLog(): string {
  const facts = logFacts(dataDir);
  const cpus = os.cpus();
  return `${facts.captures} captures (${facts.withdrawn} withdrawn) in ${facts.sessions} sessions, ${facts.journalEntries} journal entries, database ${facts.databaseMb.toFixed(0)} MB; ${path.relative(process.cwd(), cli)}; ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, load ${os.loadavg()[0]!.toFixed(1)}`;
}

await ensureLog();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'dermacam-bench-out-'));
try {
  const runs = [
    ['sessions', '--data-dir', dataDir],
    ['export', '--all', '--data-dir', dataDir],
    ['export', '--all', '--out', path.join(scratch, 'all.csv'), '--data-dir', dataDir],
    ['doctor', '--verify', '--data-dir', dataDir],
  ];
  const measures: Measure[] = [];
  for (const run of runs) measures.push(await measure(run, scratch));
  console.log(describeLog());
  console.log('| command | exit | wall (s) | peak RSS (MB) |');
  console.log('|---|---|---|---|');
  for (const m of measures) console.log(`| \`${m.command}\` | ${m.code} | ${m.seconds.toFixed(1)} | ${m.peakRssMb.toFixed(0)} |`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
