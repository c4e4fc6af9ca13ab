import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { lockFolder } from '../../src/store/backup.js';
import { LAST_BACKUP_FILE, lastBackup } from '../../src/store/lastBackup.js';
import { DATABASE_FILE, SessionLog } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CLI, REPO } from '../helpers/paths.js';
import { verifyFolder } from '../helpers/smallLog.js';

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `dermacam-backup-${name}-`));

/** A JPEG-sized picture of random bytes: no two alike, as no two captures are. */
const picture = (bytes = 20_000 + Math.floor(Math.random() * 40_000)) => randomBytes(bytes);

/** Adds `count` captures in a new session of the log in `dir` (made when missing); returns the session's id. */
async function addCaptures(dir: string, count: number, bytes?: number): Promise<string> {
  const log = await SessionLog.open(dir);
  try {
    const session = await log.startSession('alice', 'P-1');
    for (let i = 0; i < count; i++) await log.addCapture(session.id, picture(bytes), SAMPLE_RESULT);
    return session.id;
  } finally {
    await log.close();
  }
}

/** What doctor --verify's check of the log reports on a folder: no finding and no note is a clean copy. */
async function expectClean(dir: string): Promise<number> {
  const report = await verifyFolder(dir);
  expect(report.findings.map((finding) => finding.message)).toEqual([]);
  expect(report.notes.map((note) => note.message)).toEqual([]);
  return report.captures;
}

/** The images counted by the backup's first line: `N images copied (…), M already there[, K copied by an interrupted backup]`. */
function imageCounts(result: CliResult): { copied: number; kept: number; resumed: number; removed: number } {
  const line = result.stdout.split('\n')[0]!;
  const count = (pattern: RegExp) => Number(pattern.exec(line)?.[1] ?? 0);
  return {
    copied: count(/(\d+) images copied/),
    kept: count(/(\d+) already there/),
    resumed: count(/(\d+) copied by an interrupted backup/),
    removed: count(/(\d+) of withdrawn captures removed/),
  };
}

/** How many captures the log holds now (read as any reader would, beside the writers). */
function capturesIn(dir: string): number {
  const db = new Database(path.join(dir, DATABASE_FILE), { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare('SELECT count(*) AS n FROM captures').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file of a staging folder, as an interrupted backup leaves it. */
const stagedFiles = (out: string) => {
  const staging = path.join(out, 'unreferenced', 'backup-incoming');
  return existsSync(staging) ? readdirSync(staging, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith('.partial')) : [];
};

describe('dermacam backup', () => {
  it('copies a log while three writers add captures, and the copy verifies with no finding', async () => {
    const dataDir = tempDir('busy');
    const out = tempDir('busy-out');
    const stop = path.join(tempDir('busy-stop'), 'stop');
    await addCaptures(dataDir, 30);
    // each writer captures (and withdraws one capture in fifteen) until the test has taken its backups
    const writer = `
      const { existsSync } = await import('node:fs');
      const { randomBytes } = await import('node:crypto');
      const { SessionLog } = await import(${JSON.stringify(path.join(REPO, 'src/store/sessionLog.ts'))});
      const log = await SessionLog.open(process.argv[1]);
      const session = await log.startSession('writer ' + process.pid);
      for (let i = 0; !existsSync(${JSON.stringify(stop)}); i++) {
        await log.addCapture(session.id, randomBytes(20000 + Math.floor(Math.random() * 40000)), ${JSON.stringify(SAMPLE_RESULT)});
        if (i % 15 === 14) await log.withdrawCapture(log.captures(session.id).at(-1).id, 'retake');
      }
      await log.close();`;
    const run = promisify(execFile);
    const writers = Promise.all([1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, dataDir], { cwd: REPO, timeout: 170_000 })));
    while (capturesIn(dataDir) < 60) await new Promise((resolve) => setTimeout(resolve, 50));
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = capturesIn(dataDir);
      const backup = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      const captures = await expectClean(out);
      expect(captures).toBeGreaterThanOrEqual(before);
      expect(capturesIn(dataDir)).toBeGreaterThan(captures); // the writers went on meanwhile
      during.push(captures);
    }
    writeFileSync(stop, '');
    await writers;
    const total = capturesIn(dataDir);
    const last = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(last.code).toBe(0);
    expect(await expectClean(out)).toBe(total);
    const log = await SessionLog.openForReading(dataDir);
    const live = log.captures().filter((capture) => capture.withdrawn_at === null).length;
    await log.close();
    expect(live).toBeLessThan(total); // withdrawals happened
    const images = readdirSync(out, { withFileTypes: true }).filter((entry) => entry.isDirectory()).flatMap((entry) => readdirSync(path.join(out, entry.name)));
    expect(images).toHaveLength(live); // a withdrawn capture's image goes from the backup too
    console.log(`backup while three writers capture: three backups during the writes, of ${during.join(', ')} captures; then all ${total}`);
  }, 180_000);

  it('copies only the images the backup lacks, and removes those of withdrawn captures', async () => {
    const dataDir = tempDir('incremental');
    const out = tempDir('incremental-out');
    const first = await addCaptures(dataDir, 40);
    const initial = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(initial.code).toBe(0);
    expect(imageCounts(initial)).toEqual({ copied: 40, kept: 0, resumed: 0, removed: 0 });
    const kept = readdirSync(path.join(out, first)).map((name) => statSync(path.join(out, first, name)).ino);

    await addCaptures(dataDir, 7);
    const log = await SessionLog.open(dataDir);
    const gone = log.captures(first)[3]!;
    await log.withdrawCapture(gone.id, 'retake');
    await log.close();
    const second = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(imageCounts(second)).toEqual({ copied: 7, kept: 39, resumed: 0, removed: 1 });
    expect(second.stdout).toMatch(/^Backed up 47 captures \(journal entry 50\) into .* in \d+\.\d s: 7 images copied/);
    expect(existsSync(path.join(out, gone.image_path))).toBe(false);
    // the images already there were not written again
    const after = readdirSync(path.join(out, first)).map((name) => statSync(path.join(out, first, name)).ino);
    expect(after.every((ino) => kept.includes(ino))).toBe(true);
    expect(await expectClean(out)).toBe(47);

    const third = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(imageCounts(third)).toEqual({ copied: 0, kept: 46, resumed: 0, removed: 0 });
    // recorded for the app's status line
    const recorded = lastBackup(dataDir);
    expect(recorded?.out).toBe(path.resolve(out));
    expect(Date.now() - recorded!.at.getTime()).toBeLessThan(60_000);
    console.log(`incremental backup: first run copied 40 images, the second ${imageCounts(second).copied} (7 new), the third ${imageCounts(third).copied}`);
  });

  it('after kill -9 during the image copy, the previous backup still verifies, and the next run takes up the copied images', async () => {
    const dataDir = tempDir('kill');
    const out = tempDir('kill-out');
    await addCaptures(dataDir, 20);
    expect((await runCli(['backup', '--out', out, '--data-dir', dataDir])).code).toBe(0);
    const previous = sha256(path.join(out, DATABASE_FILE));
    await addCaptures(dataDir, 400, 100_000);

    const child = spawn(process.execPath, [CLI, 'backup', '--out', out, '--data-dir', dataDir], { stdio: 'ignore' });
    let tempLogSeen = false;
    let stagedAtKill = 0;
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const watch = setInterval(() => {
      tempLogSeen ||= readdirSync(out).some((name) => name.startsWith(`${DATABASE_FILE}.`) && name.endsWith('.partial'));
      const staged = stagedFiles(out).length;
      if (tempLogSeen && staged >= 30) {
        clearInterval(watch);
        stagedAtKill = staged;
        child.kill('SIGKILL');
      }
    }, 2);
    const signal = await ended;
    clearInterval(watch);
    expect(signal).toBe('SIGKILL'); // killed part-way, not ended
    expect(stagedAtKill).toBeGreaterThanOrEqual(30);
    expect(stagedAtKill).toBeLessThan(400);

    // the previous backup is whole: its log untouched, verifying with no finding and no note
    expect(sha256(path.join(out, DATABASE_FILE))).toBe(previous);
    expect(await expectClean(out)).toBe(20);
    const doctor = await runCli(['doctor', '--verify', '--data-dir', out]);
    expect(doctor.stdout).toMatch(/ok\s+log\s+20 captures, 21 journal entries: journal, tables, images and anchor \(up to entry 21\) agree/);
    expect(doctor.stdout).not.toMatch(/FAIL|note/);

    const rerun = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(rerun.code).toBe(0);
    const counts = imageCounts(rerun);
    expect(counts.resumed).toBeGreaterThanOrEqual(stagedAtKill); // every image staged whole is taken up; those in flight at the kill are copied again
    expect(counts.copied + counts.resumed).toBe(400);
    expect(counts.kept).toBe(20);
    expect(await expectClean(out)).toBe(420);
    expect(readdirSync(out).sort()).toEqual(expect.not.arrayContaining(['unreferenced', '.backup-swap.json', 'dermacam.db.previous']));
    console.log(`kill -9 during the copy: killed with ${stagedAtKill} of 400 images staged; the rerun took up ${counts.resumed} and copied ${counts.copied}`);
  }, 120_000);

  it('undoes a copy that does not verify, keeping the previous backup, and refuses a backup of another log, a busy folder, and one inside the data folder', async () => {
    const dataDir = tempDir('bad');
    const out = tempDir('bad-out');
    await addCaptures(dataDir, 5);
    expect((await runCli(['backup', '--out', out, '--data-dir', dataDir])).code).toBe(0);
    const previous = sha256(path.join(out, DATABASE_FILE));
    await addCaptures(dataDir, 3);
    // a row edited behind the journal's back (a flipped bit on the SD card would do the same)
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    db.prepare('UPDATE captures SET p_malignant = 0.99 WHERE rowid = 2').run();
    db.close();
    const refused = await runCli(['backup', '--out', out, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dermacam: The copy in .* did not verify: capture .* differs from its journal entries in p_malignant: it was edited; it was undone, and .* keeps what it held before\.\n$/);
    expect(sha256(path.join(out, DATABASE_FILE))).toBe(previous);
    expect(await expectClean(out)).toBe(5);

    const other = tempDir('other');
    await addCaptures(other, 2);
    const foreign = await runCli(['backup', '--out', out, '--data-dir', other]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/^dermacam: .* holds a copy of another session log .*; back up into an empty folder, or move that copy away first\.\n$/);
    expect(sha256(path.join(out, DATABASE_FILE))).toBe(previous);

    // one run at a time in a folder: the lock is the kernel's, so a killed run leaves none behind
    const release = await lockFolder(out);
    const busy = await runCli(['backup', '--out', out, '--data-dir', other]);
    release();
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/^dermacam: Another dermacam backup or restore is using .* now; try again once it has ended\.\n$/);

    const inside = await runCli(['backup', '--out', path.join(dataDir, 'copy'), '--data-dir', dataDir]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/lie one inside the other; copy to a folder of its own/);
    expect(existsSync(path.join(dataDir, 'copy'))).toBe(false);
  });
});

describe('a backup is a data folder', () => {
  it('serves sessions, export and doctor --verify; restore copies it into an empty folder, verified, and refuses a folder with a log', async () => {
    const dataDir = tempDir('source');
    const out = tempDir('folder-out');
    await addCaptures(dataDir, 6);
    await addCaptures(dataDir, 4);
    expect((await runCli(['backup', '--out', out, '--data-dir', dataDir])).code).toBe(0);

    const sessions = await Promise.all([dataDir, out].map((dir) => runCli(['sessions', '--data-dir', dir])));
    expect(sessions.map((result) => result.code)).toEqual([0, 0]);
    expect(sessions[1]!.stdout).toBe(sessions[0]!.stdout);
    expect(sessions[1]!.stdout.trim().split('\n')).toHaveLength(3);
    const exports = await Promise.all([dataDir, out].map((dir) => runCli(['export', '--all', '--data-dir', dir])));
    expect(exports[1]!.code).toBe(0);
    expect(exports[1]!.stdout).toBe(exports[0]!.stdout); // the same CSV, byte for byte
    expect(exports[1]!.stdout.trim().split('\n')).toHaveLength(11);
    const verified = await runCli(['doctor', '--verify', '--data-dir', out]);
    expect(verified.stdout).toMatch(/ok\s+log\s+10 captures, 12 journal entries: journal, tables, images and anchor \(up to entry 12\) agree/);
    expect(verified.stdout).not.toMatch(/FAIL\s+log|note\s+log/);

    const target = path.join(tempDir('restore'), 'data');
    const restored = await runCli(['restore', out, '--data-dir', target]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Restored 10 captures \(journal entry 12\) from .* into .*: 10 images copied/);
    expect(await expectClean(target)).toBe(10);
    const again = await runCli(['doctor', '--verify', '--data-dir', target]);
    expect(again.stdout).toMatch(/ok\s+log\s+10 captures, 12 journal entries: .* agree/);
    expect((await runCli(['export', '--all', '--data-dir', target])).stdout).toBe(exports[0]!.stdout);
    // the restored folder is the app's again: it writes to it
    await addCaptures(target, 1);
    expect(await expectClean(target)).toBe(11);

    // a folder with a log is never overwritten
    const before = sha256(path.join(target, DATABASE_FILE));
    const refused = await runCli(['restore', out, '--data-dir', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^dermacam: The data folder .* already holds a session log \(3 sessions, 11 captures\); dermacam restore does not overwrite a log: restore into an empty data folder, or move this one away first\.\n$/);
    expect(sha256(path.join(target, DATABASE_FILE))).toBe(before);
    const cluttered = tempDir('cluttered');
    writeFileSync(path.join(cluttered, 'notes.txt'), 'mine');
    const notEmpty = await runCli(['restore', out, '--data-dir', cluttered]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toMatch(/^dermacam: The data folder .* is not empty \(it holds notes\.txt\); dermacam restore only restores into an empty data folder/);
    expect(readdirSync(cluttered)).toEqual(['notes.txt']);
  });

  it('restores into a folder holding only the empty log the app made at its start, and refuses a backup that does not verify', async () => {
    const dataDir = tempDir('source2');
    const out = tempDir('out2');
    const session = await addCaptures(dataDir, 3);
    expect((await runCli(['backup', '--out', out, '--data-dir', dataDir])).code).toBe(0);
    const fresh = tempDir('fresh');
    await (await SessionLog.open(fresh)).close();
    const restored = await runCli(['restore', out, '--data-dir', fresh]);
    expect(restored.code).toBe(0);
    expect(await expectClean(fresh)).toBe(3);

    // a damaged backup is not restored
    const image = readdirSync(path.join(out, session))[0]!;
    writeFileSync(path.join(out, session, image), 'damaged');
    const target = path.join(tempDir('never'), 'data');
    const refused = await runCli(['restore', out, '--data-dir', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dermacam: The backup .* does not verify: capture .* its image .* was changed; nothing was restored/);
    expect(existsSync(target)).toBe(false);
  });

  it('restores a backup whose last run was killed: the previous copy, clean', async () => {
    // a backup folder with a staging folder left by a killed run is a clean data folder to restore from
    const dataDir = tempDir('source3');
    const out = tempDir('out3');
    await addCaptures(dataDir, 2);
    expect((await runCli(['backup', '--out', out, '--data-dir', dataDir])).code).toBe(0);
    mkdirSync(path.join(out, 'unreferenced', 'backup-incoming', 'x'), { recursive: true });
    writeFileSync(path.join(out, 'unreferenced', 'backup-incoming', 'x', 'y.jpg'), 'half');
    const target = tempDir('restore3');
    expect((await runCli(['restore', out, '--data-dir', target])).code).toBe(0);
    expect(await expectClean(target)).toBe(2);
    expect(existsSync(path.join(target, 'unreferenced'))).toBe(false);
    expect(existsSync(path.join(target, LAST_BACKUP_FILE))).toBe(false);
  });
});
