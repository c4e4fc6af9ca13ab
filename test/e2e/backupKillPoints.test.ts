import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyDataFolder } from '../../src/commands/backup.js';
import { copyDataFolder } from '../../src/store/backup.js';
import { finishInterruptedSwap, PLAN_FILE, PREVIOUS_LOG } from '../../src/store/backupSwap.js';
import { DATABASE_FILE, SessionLog } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { REPO } from '../helpers/paths.js';
import { verifyFolder } from '../helpers/smallLog.js';

const run = promisify(execFile);
const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `dermacam-backup-kill-${name}-`));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Runs the backup in a child that kills itself before its `killAt`-th rename, link or unlink; the number it made when it was not killed. */
async function backUpUntil(from: string, to: string, killAt: number): Promise<{ killed: boolean; calls: number }> {
  const child = run(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'helpers', 'backupKilled.ts'), from, to, String(killAt)], { cwd: REPO, timeout: 60_000 });
  try {
    const { stdout } = await child;
    return { killed: false, calls: Number(stdout.trim()) };
  } catch (error) {
    if ((error as { signal?: string }).signal === 'SIGKILL') return { killed: true, calls: killAt };
    throw error;
  }
}

async function findings(dir: string): Promise<{ messages: string[]; captures: number }> {
  const report = await verifyFolder(dir);
  return { messages: [...report.findings, ...report.notes].map((item) => item.message), captures: report.captures };
}

describe('kill -9 at every step of a backup that swaps a new copy in', () => {
  it('leaves the previous backup or the new one verifying clean, or an undecided swap that the next run undoes', async () => {
    const source = tempDir('source');
    const log = await SessionLog.open(source);
    const first = await log.startSession('alice', 'P-1');
    for (let i = 0; i < 3; i++) await log.addCapture(first.id, randomBytes(30_000), SAMPLE_RESULT);
    await log.close();
    const previousBackup = tempDir('previous');
    await copyDataFolder({ from: source, to: previousBackup, verify: verifyDataFolder });
    const previousLog = sha256(path.join(previousBackup, DATABASE_FILE));
    // the next backup copies three images in, and takes one out (its capture was withdrawn)
    const again = await SessionLog.open(source);
    const second = await again.startSession('bob', 'P-2');
    for (let i = 0; i < 3; i++) await again.addCapture(second.id, randomBytes(30_000), SAMPLE_RESULT);
    await again.withdrawCapture(again.captures(first.id)[1]!.id, 'retake');
    await again.close();

    const whole = tempDir('whole');
    cpSync(previousBackup, whole, { recursive: true });
    const { calls } = await backUpUntil(source, whole, 0);
    expect(calls).toBeGreaterThan(10);
    expect(await findings(whole)).toEqual({ messages: [], captures: 6 });

    const states: string[] = [];
    for (let killAt = 1; killAt <= calls; killAt++) {
      const out = tempDir(`at-${killAt}`);
      rmSync(out, { recursive: true });
      cpSync(previousBackup, out, { recursive: true });
      const { killed } = await backUpUntil(source, out, killAt);
      expect(killed, `killed before call ${killAt}`).toBe(true);
      const undecided = existsSync(path.join(out, PLAN_FILE)) && existsSync(path.join(out, PREVIOUS_LOG));
      if (undecided) {
        // doctor --verify may see the swap half made (findings, not a crash); the next run undoes it first
        const half = await findings(out);
        // the previous backup comes back, whole
        expect(await finishInterruptedSwap(out)).toBe('undone');
        expect(sha256(path.join(out, DATABASE_FILE)), `killed before call ${killAt}`).toBe(previousLog);
        expect(await findings(out), `killed before call ${killAt}`).toEqual({ messages: [], captures: 3 });
        states.push(`${killAt}: undecided (verify then: ${half.captures} captures, ${half.messages.length} findings or notes), undone`);
      } else {
        const found = await findings(out);
        expect(found.messages, `killed before call ${killAt}`).toEqual([]);
        expect([3, 6]).toContain(found.captures);
        states.push(`${killAt}: ${found.captures === 3 ? 'previous' : 'new'} backup, clean`);
      }
      // and the next backup ends clean, with everything
      await copyDataFolder({ from: source, to: out, verify: verifyDataFolder });
      expect(await findings(out), `rerun after a kill before call ${killAt}`).toEqual({ messages: [], captures: 6 });
    }
    console.log(`backup kill points (${calls} renames, links and unlinks):\n${states.join('\n')}`);
  }, 600_000);
});
