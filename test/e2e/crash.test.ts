import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TEMP_SUFFIX } from '../../src/store/atomicFile.js';
import { DATABASE_FILE, SessionLog } from '../../src/store/sessionLog.js';
import { verifySessionLog } from '../../src/store/verify.js';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import { REPO } from '../helpers/paths.js';

const ITERATIONS = 25;

/** Starts the capture loop, lets it run `ms` after it is ready, then kills it with SIGKILL. */
function runAndKill(dataDir: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'helpers', 'captureLoop.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms));
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`capture loop ended without being killed (${signal})`))));
  });
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((name) => name.endsWith(TEMP_SUFFIX));
}

describe('kill -9 during captures', () => {
  it(`leaves a sound log every time (${ITERATIONS} kills at random moments)`, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-crash-'));
    const random = seededRandom(42);
    let captures = 0;
    let interruptedWrites = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      await runAndKill(dataDir, 5 + Math.floor(random() * 120));
      interruptedWrites += tempFiles(dataDir).length;
      const log = await SessionLog.open(dataDir); // opening cleans up temp files of interrupted writes
      expect(tempFiles(dataDir)).toEqual([]);
      const report = await verifySessionLog(log, { settleMs: 0 });
      expect(report.findings).toEqual([]);
      expect(report.captures).toBeGreaterThanOrEqual(captures);
      captures = report.captures;
      await log.close();
      const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    expect(captures).toBeGreaterThan(ITERATIONS); // the loop really was writing when it was killed
    console.log(`crash test: ${ITERATIONS} kills, ${captures} captures kept, ${interruptedWrites} image writes cut short and cleaned up`);
  });

  it('loses no capture of a running writer while another process opens the log again and again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-concurrent-'));
    let opens = 0;
    const openRepeatedly = async (until: number) => {
      while (Date.now() < until) {
        await (await SessionLog.open(dataDir)).close();
        opens++;
      }
    };
    // before, each open deleted the temp file the writer was filling: its capture failed and the loop died
    await Promise.all([runAndKill(dataDir, 2500), openRepeatedly(Date.now() + 2500)]);
    const log = await SessionLog.open(dataDir);
    const report = await verifySessionLog(log, { settleMs: 0 });
    expect(report.findings).toEqual([]);
    expect(report.captures).toBeGreaterThan(10);
    expect(opens).toBeGreaterThan(10);
    await log.close();
  });
});

