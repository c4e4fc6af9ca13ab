import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../src/commands/doctor.js';
import { ANCHOR_FILE } from '../src/store/anchor.js';
import { DATABASE_FILE, SessionLog } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';
import { findingsOf, makeSmallLog, tempDir, verifyFolder } from './helpers/smallLog.js';
import { journalOf } from './helpers/journal.js';

// issue 23, item 9: doctor --verify reads the log a row at a time, and the anchor a line at a time

describe('the anchor, read a line at a time', () => {
  it('vouches for a long-lived log whose anchor is larger than 64 MB', async () => {
    const { dir } = await makeSmallLog();
    const file = path.join(dir, ANCHOR_FILE);
    const lines = readFileSync(file);
    writeFileSync(file, Buffer.concat(Array.from({ length: Math.ceil((65 * 1024 * 1024) / lines.length) }, () => lines)));
    const report = await verifyFolder(dir);
    expect(report.findings).toEqual([]);
    expect(report.anchored).toBe(7);
  });

  it('counts a line of any length as one line that is not a head', async () => {
    const { dir } = await makeSmallLog();
    writeFileSync(path.join(dir, ANCHOR_FILE), `${'7'.repeat(200_000)} ${'a'.repeat(64)}\n`, { flag: 'a' });
    expect(await findingsOf(dir)).toEqual(['the anchor file has 1 line(s) that are not "<entry> <hash>": it was edited']);
  });
});

describe('a read of the whole log in one snapshot', () => {
  it('holds a write of its own process until it ends, and sees the log as it was', async () => {
    const { dir, sessionIds } = await makeSmallLog();
    const log = await SessionLog.open(dir);
    let write: Promise<unknown> | undefined;
    const seen = await log.readSnapshot(async () => {
      write = log.addCapture(sessionIds[0]!, Buffer.from([0xff, 0xd8, 9]), SAMPLE_RESULT);
      await sleep(100);
      return log.captures().length;
    });
    expect(seen).toBe(4);
    await write;
    expect(log.captures()).toHaveLength(5);
    expect(await verifySessionLog(log, { settleMs: 0 })).toMatchObject({ findings: [], captures: 5 });
    await log.close();
  });
});

describe('doctor --verify --repair', () => {
  it('skips a file gone since verify listed it, and journals only the moves it makes', async () => {
    const { dir, sessionIds } = await makeSmallLog();
    const [gone, there] = ['120000-aaaaaa.jpg', '120000-bbbbbb.jpg'].map((name) => path.join(sessionIds[0]!, name));
    for (const file of [gone!, there!]) writeFileSync(path.join(dir, file), 'no row');
    const listed = (await verifyFolder(dir)).findings.flatMap((finding) => (finding.unreferenced ? [finding.unreferenced] : []));
    expect(listed.sort()).toEqual([gone, there]);
    unlinkSync(path.join(dir, gone!));
    const log = await SessionLog.open(dir);
    const moves = await log.moveAside(listed);
    expect(moves.map((move) => move.from)).toEqual([there]);
    const repairs = journalOf(log).filter((entry) => entry.kind === 'repair');
    expect(repairs.map((entry) => (JSON.parse(entry.body) as { moved: { from: string }[] }).moved.map((move) => move.from))).toEqual([[there]]);
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  });
});

describe('doctor and a session log that is not a regular file', () => {
  it('refuses a FIFO at dermacam.db instead of hanging on it', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [path.join(dir, DATABASE_FILE)]);
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const io = { tf: () => import('@tensorflow/tfjs'), stdout, stderr: new PassThrough() };
    const code = await doctorCommand(['--verify', '--model', path.join(dir, 'no-model'), '--data-dir', dir], io);
    expect(code).toBe(1);
    expect(printed).toContain(`FAIL  session log   ${path.join(dir, DATABASE_FILE)} cannot be read: it is not a regular file (a pipe, socket or device).`);
    expect(printed).toMatch(/FAIL {2}log {11}not checked: .*dermacam\.db is not a regular file/);
    rmSync(dir, { recursive: true });
  }, 20_000);
});
