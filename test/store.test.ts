import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { capturesCsv, CSV_COLUMNS, neutraliseCell } from '../src/store/csvExport.js';
import { APPLICATION_ID, MIGRATIONS } from '../src/store/schema.js';
import { DATABASE_FILE, SessionLog, type CaptureResult } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { journalOf } from './helpers/journal.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-store-'));
const result: CaptureResult = {
  p_malignant: 0.8123,
  label: 'malignant',
  threshold: 0.31,
  model_name: 'dermacam-mnv1-075',
  model_sha256: 'ab'.repeat(32),
  backend: 'wasm',
  latency_ms: 41.5,
  quality: { ok: true, reasons: [] },
};
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

describe('session log', () => {
  it('creates the schema with migrations, once', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    await log.startSession('alice');
    await log.close();
    const reopened = await SessionLog.open(dir);
    expect(reopened.sessions()).toHaveLength(1);
    await reopened.close();
    const db = new Database(path.join(dir, DATABASE_FILE));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database from a newer dermacam, and a foreign file, without touching them', async () => {
    const newer = tempDir();
    const db = new Database(path.join(newer, DATABASE_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.close();
    await expect(SessionLog.open(newer)).rejects.toThrow(/newer than this dermacam understands/);

    const foreign = tempDir();
    writeFileSync(path.join(foreign, DATABASE_FILE), 'not a database at all, just text '.repeat(100));
    const before = readFileSync(path.join(foreign, DATABASE_FILE));
    const started = performance.now();
    await expect(SessionLog.open(foreign)).rejects.toThrow(/not a dermacam session log, or it is damaged\. It was left untouched\.$/);
    // at once: the waits for a log another process is still creating (200 ms and more) are not for a file that is no SQLite file at all
    expect(performance.now() - started).toBeLessThan(200);
    expect(readFileSync(path.join(foreign, DATABASE_FILE))).toEqual(before);

    // another program's SQLite database: no tables added, no schema version, no WAL switch
    const other = tempDir();
    const otherFile = path.join(other, DATABASE_FILE);
    const theirs = new Database(otherFile);
    theirs.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (9.5);");
    theirs.close();
    const theirBytes = readFileSync(otherFile);
    for (const open of [() => SessionLog.open(other), () => SessionLog.openForReading(other)]) {
      await expect(open()).rejects.toThrow(/not a dermacam session log/);
    }
    expect(readFileSync(otherFile)).toEqual(theirBytes);
    expect(readdirSync(other)).toEqual([DATABASE_FILE]);
  });

  it('writes the capture image before its row, with its sha256', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = await log.startSession('alice', 'P-0042');
    const capture = await log.addCapture(session.id, jpeg, result);
    const file = path.join(dir, capture.image_path);
    expect(capture.image_path).toBe(path.join(session.id, `${capture.id}.jpg`));
    expect(readFileSync(file)).toEqual(jpeg);
    expect(capture.image_sha256).toBe(createHash('sha256').update(jpeg).digest('hex'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) expect(statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
    expect(log.captures(session.id)).toEqual([capture]);
    expect(log.session(session.id)?.captures).toBe(1);
    await log.close();
  });

  it('lists sessions begun in the same millisecond in the order they were begun', async () => {
    const log = await SessionLog.open(tempDir(), { now: () => new Date('2026-11-27T10:15:00.000Z') });
    const begun = [];
    for (const operator of ['carol', 'alice', 'bob', 'dave']) begun.push((await log.startSession(operator, 'P-1')).id);
    expect(log.sessions().map((session) => session.id)).toEqual(begun);
    await log.close();
  });

  it('logs a generated patient reference for a session begun without one, a new one each time', async () => {
    const log = await SessionLog.open(tempDir());
    const [first, second] = [await log.startSession('alice'), await log.startSession('alice', '  ')];
    expect(first.patient_ref).toMatch(/^DERMACAM-[0-9A-F]{12}$/);
    expect(second.patient_ref).toMatch(/^DERMACAM-[0-9A-F]{12}$/);
    expect(second.patient_ref).not.toBe(first.patient_ref);
    expect(log.sessions().map((s) => s.patient_ref)).toEqual([first.patient_ref, second.patient_ref]);
    await log.close();
  });

  it('leaves neither a row nor a temp file when the image write fails', async () => {
    const dir = tempDir();
    const failingWrite = { ...fsPromises, open: (async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await fsPromises.open(...args);
      handle.writeFile = async () => { throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); };
      return handle;
    }) as typeof fsPromises.open };
    const log = await SessionLog.open(dir, { fs: failingWrite });
    const session = await log.startSession('alice');
    await expect(log.addCapture(session.id, jpeg, result)).rejects.toThrow('The capture was not saved: the disk is full. Earlier captures are untouched.');
    expect(log.captures()).toHaveLength(0);
    expect(readdirSync(path.join(dir, session.id))).toEqual([]);
    await log.close();
  });

  it('fails a capture in one sentence at any failing write step, touching nothing earlier', async () => {
    const ioError = (code: string) => Object.assign(new Error(`injected ${code}`), { code });
    let failAt: 'mkdir' | 'open' | 'write' | 'sync' | 'rename' | undefined;
    let code = 'ENOSPC';
    const failing = {
      ...fsPromises,
      mkdir: (async (...args: Parameters<typeof fsPromises.mkdir>) => {
        if (failAt === 'mkdir') throw ioError(code);
        return fsPromises.mkdir(...args);
      }) as typeof fsPromises.mkdir,
      open: (async (...args: Parameters<typeof fsPromises.open>) => {
        if (failAt === 'open') throw ioError(code);
        const handle = await fsPromises.open(...args);
        if (failAt === 'write') handle.writeFile = async () => { throw ioError(code); };
        if (failAt === 'sync') handle.sync = async () => { throw ioError(code); };
        return handle;
      }) as typeof fsPromises.open,
      rename: (async (...args: Parameters<typeof fsPromises.rename>) => {
        if (failAt === 'rename') throw ioError(code);
        return fsPromises.rename(...args);
      }) as typeof fsPromises.rename,
    };
    const dir = tempDir();
    const log = await SessionLog.open(dir, { fs: failing });
    const session = await log.startSession('alice');
    const first = await log.addCapture(session.id, jpeg, result);
    for (const step of ['mkdir', 'open', 'write', 'sync'] as const) {
      for (const [injected, why] of [['ENOSPC', 'the disk is full'], ['EIO', 'the disk reported an input/output error'], ['EACCES', 'dermacam may not write in']] as const) {
        // a session's folder is made at its first capture only
        const into = step === 'mkdir' ? (await log.startSession('alice')).id : session.id;
        failAt = step;
        code = injected;
        await expect(log.addCapture(into, jpeg, result), `${step} ${injected}`).rejects.toThrow(new RegExp(`^The capture was not saved: ${why.replace(/[()]/g, '\\$&')}.*Earlier captures are untouched\\.$`));
      }
    }
    failAt = undefined;
    expect(log.captures()).toEqual([first]);
    expect(readdirSync(path.join(dir, session.id))).toEqual([path.basename(first.image_path)]); // no temp files left
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.addCapture(session.id, jpeg, result); // and the next capture works
    expect(log.captures()).toHaveLength(2);
    await log.close();
  });

  it('puts in place at the next open the image of a capture committed just before a crash', async () => {
    const dir = tempDir();
    let failRename = true;
    const crashingRename = { ...fsPromises, rename: (async (...args: Parameters<typeof fsPromises.rename>) => {
      if (failRename) throw Object.assign(new Error('I/O error'), { code: 'EIO' });
      return fsPromises.rename(...args);
    }) as typeof fsPromises.rename };
    const log = await SessionLog.open(dir, { fs: crashingRename });
    const session = await log.startSession('alice');
    await expect(log.addCapture(session.id, jpeg, result)).rejects.toThrow(/^The capture was logged, but its image is still in a temporary file .*; reopening the log puts it in place\.$/);
    const [capture] = log.captures();
    await log.close();
    // as if the writer had died: its temp file now names a pid that no longer runs
    const [temp] = readdirSync(path.join(dir, session.id));
    const orphaned = temp!.replace(`.${process.pid}-`, '.4194305-');
    await fsPromises.rename(path.join(dir, session.id, temp!), path.join(dir, session.id, orphaned));
    failRename = false;
    const reopened = await SessionLog.open(dir);
    expect(readdirSync(path.join(dir, session.id))).toEqual([path.basename(capture!.image_path)]);
    expect(readFileSync(path.join(dir, capture!.image_path))).toEqual(jpeg);
    expect((await verifySessionLog(reopened, { settleMs: 0 })).findings).toEqual([]);
    await reopened.close();
  });

  it('removes at open only the temp files of its session folders whose writer is gone', async () => {
    const dir = tempDir();
    const first = await SessionLog.open(dir);
    const session = await first.startSession('alice');
    await first.close();
    const folder = path.join(dir, session.id);
    mkdirSync(folder, { recursive: true });
    const deadWriter = 4194305; // above Linux's largest pid: no such process
    const abandoned = `x.jpg.${deadWriter}-0a1b2c3d.partial`;
    const beingWritten = `y.jpg.${process.pid}-0a1b2c3d.partial`; // a live writer (this process)
    const notOurs = 'notes.txt.partial';
    for (const name of [abandoned, beingWritten, notOurs]) writeFileSync(path.join(folder, name), 'half a file');
    mkdirSync(path.join(dir, 'elsewhere'));
    writeFileSync(path.join(dir, 'elsewhere', `z.jpg.${deadWriter}-0a1b2c3d.partial`), 'not in a session folder');
    const log = await SessionLog.open(dir);
    expect(readdirSync(folder).sort()).toEqual([notOurs, beingWritten].sort());
    expect(readdirSync(path.join(dir, 'elsewhere'))).toHaveLength(1);
    await log.close();
  });

  it('gives each capture and session its own id even when the clock and the random draw repeat', async () => {
    const log = await SessionLog.open(tempDir(), { now: () => new Date('2026-11-27T10:15:00.000Z'), randomId: () => 'abc123' });
    const first = await log.startSession('alice');
    const second = await log.startSession('bob');
    expect([first.id, second.id]).toEqual(['20261127-101500-abc123', '20261127-101500-abc123-2']);
    const a = await log.addCapture(first.id, jpeg, result);
    const b = await log.addCapture(first.id, jpeg, result);
    expect([a.id, b.id]).toEqual(['101500-abc123', '101500-abc123-2']);
    expect(b.image_path).toBe(path.join(first.id, '101500-abc123-2.jpg'));
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  });

  it('refuses a data folder that is / or a system folder, also through a link, and creates nothing there', async () => {
    await expect(SessionLog.open('/')).rejects.toThrow(/^The data folder \/ is the system folder \/; choose a folder of its own with --data-dir\.$/);
    const link = path.join(tempDir(), 'data');
    symlinkSync('/etc', link);
    await expect(SessionLog.open(link)).rejects.toThrow(/is the system folder \/etc;/);
    expect(existsSync('/dermacam.db')).toBe(false);
  });

  it('annotates captures, and withdraws one with its time and reason, deleting only its image', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = await log.startSession('alice');
    const capture = await log.addCapture(session.id, jpeg, result);
    await log.annotate(capture.id, { body_site: 'left forearm' });
    await log.annotate(capture.id, { note: 'raised, 4 mm' });
    expect(log.captures()[0]).toMatchObject({ body_site: 'left forearm', note: 'raised, 4 mm' });
    await log.withdrawCapture(capture.id, 'retake');
    expect(log.captures()[0]).toMatchObject({ withdrawn_reason: 'retake', withdrawn_at: expect.stringMatching(/^\d{4}-/) });
    expect(log.session(session.id)!.captures).toBe(0);
    expect(readdirSync(path.join(dir, session.id))).toEqual([]);
    expect(journalOf(log).map((entry) => entry.kind)).toEqual(['session', 'capture', 'annotation', 'annotation', 'withdrawal']);
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  });
});

describe('CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(neutraliseCell('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(neutraliseCell('+1')).toBe(`'+1`);
    expect(neutraliseCell('-2')).toBe(`'-2`);
    expect(neutraliseCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(neutraliseCell('left arm')).toBe('left arm');
    expect(neutraliseCell(-0.5)).toBe(-0.5);
    expect(neutraliseCell(null)).toBe('');
  });

  it('round-trips through a CSV parser, quotes, commas, newlines and non-ASCII included', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = await log.startSession('Zoë "Z" O\'Neil', '=cmd|calc');
    const capture = await log.addCapture(session.id, jpeg, { ...result, quality: { ok: false, reasons: ['too dark', 'blurred'] } });
    await log.annotate(capture.id, { body_site: 'back, upper', note: 'line one\nline two, "quoted"' });
    const csv = capturesCsv(log.sessions(), log.captures(), log.lesions());
    expect(csv).toContain('\r\n');
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operator: 'Zoë "Z" O\'Neil',
      patient_ref: `'=cmd|calc`,
      body_site: 'back, upper',
      note: 'line one\nline two, "quoted"',
      p_malignant: '0.8123',
      label: 'malignant',
      quality_ok: 'false',
      latency_ms: '42',
      quality_reasons: 'too dark; blurred',
      model_sha256: 'ab'.repeat(32),
    });
    await log.close();
  });
});
