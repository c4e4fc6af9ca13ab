import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { capturesCsv, CSV_COLUMNS, neutraliseCell } from '../src/store/csvExport.js';
import { MIGRATIONS } from '../src/store/schema.js';
import { DATABASE_FILE, SessionLog, type CaptureResult } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';

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
    log.startSession('alice');
    log.close();
    const reopened = await SessionLog.open(dir);
    expect(reopened.sessions()).toHaveLength(1);
    reopened.close();
    const db = new Database(path.join(dir, DATABASE_FILE));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database from a newer dermacam, and a foreign file, without touching them', async () => {
    const newer = tempDir();
    const db = new Database(path.join(newer, DATABASE_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    await expect(SessionLog.open(newer)).rejects.toThrow(/newer than this dermacam understands/);

    const foreign = tempDir();
    writeFileSync(path.join(foreign, DATABASE_FILE), 'not a database at all, just text '.repeat(100));
    const before = readFileSync(path.join(foreign, DATABASE_FILE));
    await expect(SessionLog.open(foreign)).rejects.toThrow(/not a dermacam session log or it is damaged/);
    expect(readFileSync(path.join(foreign, DATABASE_FILE))).toEqual(before);
  });

  it('writes the capture image before its row, with its sha256', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = log.startSession('alice', 'P-0042');
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
    log.close();
  });

  it('leaves neither a row nor a temp file when the image write fails', async () => {
    const dir = tempDir();
    const failingRename = { ...fsPromises, rename: async () => { throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); } };
    const log = await SessionLog.open(dir, { fs: failingRename as typeof fsPromises });
    const session = log.startSession('alice');
    await expect(log.addCapture(session.id, jpeg, result)).rejects.toThrow('The capture was not saved: the disk is full. Earlier captures are untouched.');
    expect(log.captures()).toHaveLength(0);
    expect(readdirSync(path.join(dir, session.id))).toEqual([]);
    log.close();
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
    const session = log.startSession('alice');
    const first = await log.addCapture(session.id, jpeg, result);
    for (const step of ['mkdir', 'open', 'write', 'sync', 'rename'] as const) {
      for (const [injected, why] of [['ENOSPC', 'the disk is full'], ['EIO', 'the image could not be written (EIO)'], ['EACCES', 'dermacam may not write in']] as const) {
        failAt = step;
        code = injected;
        await expect(log.addCapture(session.id, jpeg, result), `${step} ${injected}`).rejects.toThrow(new RegExp(`^The capture was not saved: ${why.replace(/[()]/g, '\\$&')}.*Earlier captures are untouched\\.$`));
      }
    }
    failAt = undefined;
    expect(log.captures()).toEqual([first]);
    expect(readdirSync(path.join(dir, session.id))).toEqual([path.basename(first.image_path)]); // no temp files left
    expect((await verifySessionLog(log)).firstBroken).toBeUndefined();
    await log.addCapture(session.id, jpeg, result); // and the next capture works
    expect(log.captures()).toHaveLength(2);
    log.close();
  });

  it('removes at open only the temp files of its session folders whose writer is gone', async () => {
    const dir = tempDir();
    const first = await SessionLog.open(dir);
    const session = first.startSession('alice');
    first.close();
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
    log.close();
  });

  it('refuses a data folder that is / or a system folder, also through a link, and creates nothing there', async () => {
    await expect(SessionLog.open('/')).rejects.toThrow(/^The data folder \/ is the system folder \/; choose a folder of its own with --data-dir\.$/);
    const link = path.join(tempDir(), 'data');
    symlinkSync('/etc', link);
    await expect(SessionLog.open(link)).rejects.toThrow(/is the system folder \/etc;/);
    expect(existsSync('/dermacam.db')).toBe(false);
  });

  it('annotates and discards captures', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = log.startSession('alice');
    const capture = await log.addCapture(session.id, jpeg, result);
    log.annotate(capture.id, { body_site: 'left forearm' });
    log.annotate(capture.id, { note: 'raised, 4 mm' });
    expect(log.captures()[0]).toMatchObject({ body_site: 'left forearm', note: 'raised, 4 mm' });
    await log.discardCapture(capture.id);
    expect(log.captures()).toHaveLength(0);
    expect(readdirSync(path.join(dir, session.id))).toEqual([]);
    log.close();
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
    const session = log.startSession('Zoë "Z" O\'Neil', '=cmd|calc');
    const capture = await log.addCapture(session.id, jpeg, { ...result, quality: { ok: false, reasons: ['too dark', 'blurred'] } });
    log.annotate(capture.id, { body_site: 'back, upper', note: 'line one\nline two, "quoted"' });
    const csv = capturesCsv(log.sessions(), log.captures());
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
      quality_ok: '0',
      quality_reasons: 'too dark; blurred',
      model_sha256: 'ab'.repeat(32),
    });
    log.close();
  });
});

describe('tamper evidence', () => {
  async function logWithThreeCaptures() {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = log.startSession('alice', 'P-1');
    for (const byte of [1, 2, 3]) await log.addCapture(session.id, Buffer.from([0xff, 0xd8, byte]), result);
    return { dir, log, captures: log.captures() };
  }

  it('chains every capture to the one before it, and a whole log verifies', async () => {
    const { log, captures } = await logWithThreeCaptures();
    expect(captures[1]!.prev_hash).toBe(captures[0]!.row_hash);
    expect(await verifySessionLog(log)).toEqual({ captures: 3 });
    log.close();
  });

  it('reports the first broken link: an edited row, an edited session, a removed row, a changed image', async () => {
    for (const [tamper, reason] of [
      [(db: Database.Database, ids: string[]) => db.prepare('UPDATE captures SET p_malignant = 0.01 WHERE id = ?').run(ids[1]), /row, or its session, was changed/],
      [(db: Database.Database) => db.prepare("UPDATE sessions SET operator = 'mallory'").run(), /row, or its session, was changed/],
      [(db: Database.Database, ids: string[]) => db.prepare('DELETE FROM captures WHERE id = ?').run(ids[1]), /link to the capture before it/],
    ] as const) {
      const { dir, log, captures } = await logWithThreeCaptures();
      log.close();
      const db = new Database(path.join(dir, DATABASE_FILE));
      tamper(db, captures.map((c) => c.id));
      db.close();
      const reopened = await SessionLog.open(dir);
      const report = await verifySessionLog(reopened);
      expect(report.firstBroken?.reason).toMatch(reason);
      reopened.close();
    }
    const { dir, log, captures } = await logWithThreeCaptures();
    writeFileSync(path.join(dir, captures[2]!.image_path), 'swapped');
    expect(await verifySessionLog(log)).toMatchObject({ firstBroken: { captureId: captures[2]!.id, reason: expect.stringMatching(/was changed/) } });
    log.close();
  });

  it('lets only the newest capture be discarded', async () => {
    const { log, captures } = await logWithThreeCaptures();
    await expect(log.discardCapture(captures[0]!.id)).rejects.toThrow(/Only the newest capture/);
    await log.discardCapture(captures[2]!.id);
    expect(await verifySessionLog(log)).toEqual({ captures: 2 });
    log.close();
  });
});

describe('migrations', () => {
  it('fills in the hash chain for rows written before it existed', async () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO sessions VALUES ('S1', '2026-01-01T00:00:00.000Z', 'alice', NULL)").run();
    mkdirSync(path.join(dir, 'S1'));
    writeFileSync(path.join(dir, 'S1', 'c1.jpg'), jpeg);
    const sha = createHash('sha256').update(jpeg).digest('hex');
    db.prepare(
      `INSERT INTO captures (id, session_id, captured_at, image_path, image_sha256, p_malignant, label, threshold, model_name, model_sha256,
       backend, latency_ms, quality_ok, quality_reasons) VALUES ('c1', 'S1', '2026-01-01T00:00:01.000Z', 'S1/c1.jpg', ?, 0.5, 'benign', 0.6, 'm', 'x', 'wasm', 9, 1, '[]')`,
    ).run(sha);
    db.close();
    const log = await SessionLog.open(dir);
    expect(log.captures()[0]!.row_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifySessionLog(log)).toEqual({ captures: 1 });
    log.close();
  });
});
