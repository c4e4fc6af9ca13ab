import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeExportFile } from '../../src/store/exportFile.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { runCli } from '../helpers/cli.js';

let dataDir: string;
const result = {
  p_malignant: 0.2, label: 'benign' as const, threshold: 0.3, model_name: 'm', model_sha256: 'a'.repeat(64),
  backend: 'wasm', latency_ms: 10, quality: { ok: true, reasons: [] },
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-store-'));
  const log = await SessionLog.open(dataDir);
  const first = await log.startSession('alice', 'P-1');
  await log.addCapture(first.id, Buffer.from('jpeg one'), result);
  const second = await log.startSession('bob');
  await log.addCapture(second.id, Buffer.from('jpeg two'), result);
  await log.addCapture(second.id, Buffer.from('jpeg three'), result);
  await log.close();
});

describe('dermacam lesions', () => {
  it("lists each patient's lesions with their visits, the latest answer and what changed, and says when there are none", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-lesions-'));
    const log = await SessionLog.open(dir);
    const visits = [];
    for (const p of [0.1, 0.45]) {
      const session = await log.startSession('alice', 'DERMACAM-30ECDD8C6172');
      visits.push(await log.addCapture(session.id, Buffer.from(`jpeg ${p}`), { ...result, p_malignant: p, label: p > 0.3 ? 'malignant' : 'benign' }));
    }
    const lesion = await log.addLesion('DERMACAM-30ECDD8C6172', 'left shoulder');
    for (const capture of visits) await log.attachToLesion(capture.id, lesion.id);
    await log.addLesion('P-2', null);
    await log.close();

    const all = await runCli(['lesions', '--data-dir', dir]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    // a patient reference as long as the app makes up, and a body site of two words, still fit 80 columns
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(lines[0]).toMatch(/^lesion +patient ref +body site +latest answer$/);
    // the latest answer in the words of the app's lists, not the model's label
    expect(lines[1]).toMatch(/^L1 +DERMACAM-30ECDD8C6172 +left shoulder +REFER 45%$/);
    expect(lines[2]).toMatch(/^ {2}2 visits, last seen \d{4}-\d\d-\d\d · id lesion-\d{8}-/);
    expect(lines[3]).toBe('  Crossed the threshold (30%) since the last visit: p(malignant) 10% → 45%.');
    expect(lines[4]).toMatch(/^L1 +P-2 *$/);
    expect(lines[5]).toMatch(/^ {2}0 visits · id lesion-/);
    expect(lines[6]).toBe('  No answered visit yet: nothing to compare.');
    const one = await runCli(['lesions', '--patient', 'P-2', '--data-dir', dir]);
    const oneLines = one.stdout.trimEnd().split('\n');
    expect(oneLines).toHaveLength(4);
    expect(oneLines[1]).toMatch(/^L1 +P-2 *$/);
    const none = await runCli(['lesions', '--patient', 'P-9', '--data-dir', dir]);
    expect([none.code, none.stdout]).toEqual([0, '(no lesions followed for patient P-9)\n']);
  });
});

describe('dermacam sessions and export', () => {
  it('lists the sessions with their capture counts', async () => {
    const { code, stdout } = await runCli(['sessions', '--data-dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/alice\s+P-1\s+1/);
    expect(stdout).toMatch(/bob  +DERMACAM-[0-9A-F]{12}  +2\n/); // the generated reference, in its own column
  });

  it('exports the latest session by default, all with --all, and a chosen one with --session', async () => {
    const latest = parse((await runCli(['export', '--data-dir', dataDir])).stdout, { columns: true }) as Record<string, string>[];
    expect(latest.map((row) => row.operator)).toEqual(['bob', 'bob']);
    const all = parse((await runCli(['export', '--all', '--data-dir', dataDir])).stdout, { columns: true }) as Record<string, string>[];
    expect(all).toHaveLength(3);
    const missing = await runCli(['export', '--session', 'nope', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/There is no session "nope"/);
  });

  it('writes --out only where asked, and never over a file without --force', async () => {
    const out = path.join(dataDir, 'out.csv');
    writeFileSync(out, 'keep me');
    const refused = await runCli(['export', '--all', '--out', out, '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; add --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await runCli(['export', '--all', '--out', out, '--force', '--data-dir', dataDir]);
    expect(forced.code).toBe(0);
    expect(parse(readFileSync(out, 'utf8'), { columns: true })).toHaveLength(3);
  });

  it('--force replaces an export whole and private, and never writes through a symbolic link', async () => {
    const out = path.join(dataDir, 'wide.csv');
    writeFileSync(out, 'old export', { mode: 0o644 });
    chmodSync(out, 0o644);
    const forced = await runCli(['export', '--all', '--out', out, '--force', '--data-dir', dataDir]);
    expect(forced.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(forced.stderr).toMatch(/Log head: entry 5, sha256 [0-9a-f]{64}\./);

    const target = path.join(dataDir, 'target.txt');
    writeFileSync(target, 'not yours');
    const link = path.join(dataDir, 'link.csv');
    symlinkSync(target, link);
    const refused = await runCli(['export', '--all', '--out', link, '--force', '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is a symbolic link; name the file itself\.\n$/);
    expect(readFileSync(target, 'utf8')).toBe('not yours');
  });

  it('leaves no file, not even an empty one, when the disk fills during an export', async () => {
    const out = path.join(dataDir, 'full.csv');
    const full = { ...fsPromises, open: (async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await fsPromises.open(...args);
      handle.writeFile = async () => { throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); };
      return handle;
    }) as typeof fsPromises.open };
    await expect(writeExportFile(out, 'a,b\r\n', { fs: full })).rejects.toThrow(/^The export was not written: the disk is full\. No file was left at /);
    await expect(writeExportFile(out, 'a,b\r\n', { fs: full, replace: true })).rejects.toThrow(/the disk is full/);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('full.csv'))).toEqual([]);
  });

  it('says so, writes nothing and exits 1 when there is nothing to export', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-nothing-'));
    await (await SessionLog.open(empty)).close();
    const out = path.join(empty, 'none.csv');
    const result = await runCli(['export', '--out', out, '--data-dir', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('The log holds no captures yet; nothing was exported.\n');
    expect(readdirSync(empty)).not.toContain('none.csv');
  });

  it('says so when there is no session log yet, without creating one', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-empty-'));
    const { code, stderr } = await runCli(['sessions', '--data-dir', path.join(empty, 'none')]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/No session log/);
  });

  it('refuses a foreign database file in a sentence, leaves it as it was, and doctor says what is wrong', async () => {
    const foreign = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-foreign-'));
    const file = path.join(foreign, 'dermacam.db');
    writeFileSync(file, 'not a database at all, just text '.repeat(100));
    const before = readFileSync(file);
    const sessions = await runCli(['sessions', '--data-dir', foreign]);
    expect(sessions.code).toBe(2);
    expect(sessions.stderr).toMatch(/^dermacam: Cannot open the session log .* It was left untouched\.\n$/);
    const doctor = await runCli(['doctor', '--data-dir', foreign]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL\s+session log\s+.*not an SQLite database/);
    expect(readFileSync(file)).toEqual(before);
  });
});
