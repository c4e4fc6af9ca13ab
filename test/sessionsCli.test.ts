import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { SessionLog } from '../src/store/sessionLog.js';
import { runCli } from './helpers/cli.js';

let dataDir: string;
const result = {
  p_malignant: 0.2, label: 'benign' as const, threshold: 0.3, model_name: 'm', model_sha256: 'a'.repeat(64),
  backend: 'wasm', latency_ms: 10, quality: { ok: true, reasons: [] },
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-cli-store-'));
  const log = await SessionLog.open(dataDir);
  const first = log.startSession('alice', 'P-1');
  await log.addCapture(first.id, Buffer.from('jpeg one'), result);
  const second = log.startSession('bob');
  await log.addCapture(second.id, Buffer.from('jpeg two'), result);
  await log.addCapture(second.id, Buffer.from('jpeg three'), result);
  log.close();
});

describe('dermacam sessions and export', () => {
  it('lists the sessions with their capture counts', async () => {
    const { code, stdout } = await runCli(['sessions', '--data-dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/alice\s+P-1\s+1/);
    expect(stdout).toMatch(/bob\s+2/);
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
