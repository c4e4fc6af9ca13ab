import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionLog, UNREFERENCED_FOLDER } from '../../src/store/sessionLog.js';
import { verifySessionLog } from '../../src/store/verify.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { REPO } from '../helpers/paths.js';
import { journalOf } from '../helpers/journal.js';

const STRAYS = 20_000; // as many as in the attack

/** Runs the repair in a child process and kills it with SIGKILL `ms` after it has begun to move files. */
function repairAndKill(dataDir: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'helpers', 'repairAside.ts'), dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const watch = setInterval(() => {
      if (!existsSync(path.join(dataDir, UNREFERENCED_FOLDER))) return;
      clearInterval(watch);
      setTimeout(() => child.kill('SIGKILL'), ms);
    }, 2);
    child.on('exit', (_code, signal) => {
      clearInterval(watch);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the repair ended before it was killed (${signal ?? 'no signal'})`));
    });
  });
}

const unreferencedOf = async (log: SessionLog) => (await verifySessionLog(log, { settleMs: 0 })).findings.flatMap((finding) => (finding.unreferenced ? [finding.unreferenced] : []));

describe('kill -9 during doctor --verify --repair (issue 23, item 6)', () => {
  it(`leaves the whole move in the journal, and a rerun finishes it (${STRAYS} stray files)`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-repair-kill-'));
    const log = await SessionLog.open(dir);
    const session = await log.startSession('alice', 'P-1');
    await log.addCapture(session.id, Buffer.from([0xff, 0xd8, 1]), SAMPLE_RESULT);
    await log.close();
    for (let i = 0; i < STRAYS; i++) writeFileSync(path.join(dir, session.id, `stray-${i}.jpg`), '');

    await repairAndKill(dir, 50);
    const movedBeforeKill = readdirSync(path.join(dir, UNREFERENCED_FOLDER), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
    expect(movedBeforeKill).toBeLessThan(STRAYS); // killed part-way

    const rerun = await SessionLog.open(dir);
    const repairs = journalOf(rerun).filter((entry) => entry.kind === 'repair');
    expect(repairs).toHaveLength(1);
    expect((JSON.parse(repairs[0]!.body) as { moved: unknown[] }).moved).toHaveLength(STRAYS);
    const left = await unreferencedOf(rerun);
    expect(left).toHaveLength(STRAYS - movedBeforeKill);
    await rerun.moveAside(left);
    expect((await verifySessionLog(rerun, { settleMs: 0 })).findings).toEqual([]);
    expect(journalOf(rerun).filter((entry) => entry.kind === 'repair')).toHaveLength(1);
    await rerun.close();
    console.log(`repair kill test: killed after ${movedBeforeKill} of ${STRAYS} moves; the rerun moved the other ${left.length}`);
  });
});
