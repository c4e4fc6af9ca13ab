import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ANCHOR_FILE } from '../../src/store/anchor.js';
import { entryHash, entryMac, GENESIS_HASH, type JournalEntry } from '../../src/store/journal.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { DATABASE_FILE, SessionLog, type CaptureResult } from '../../src/store/sessionLog.js';
import { verifySessionLog } from '../../src/store/verify.js';
import { REPO } from '../helpers/paths.js';
import { journalOf } from '../helpers/journal.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-integrity-'));
const result: CaptureResult = {
  p_malignant: 0.3, label: 'benign', threshold: 0.4, model_name: 'm', model_sha256: 'a'.repeat(64),
  backend: 'wasm', latency_ms: 9, quality: { ok: true, reasons: [] },
};

/** A closed log: two sessions, four captures, one annotated. */
async function makeLog(key?: Buffer): Promise<{ dir: string; captureIds: string[]; sessionIds: string[] }> {
  const dir = tempDir();
  const log = await SessionLog.open(dir, { key });
  const first = await log.startSession('alice', 'P-1');
  const second = await log.startSession('bob', 'P-2');
  for (const [session, byte] of [[first, 1], [first, 2], [second, 3], [second, 4]] as const) {
    await log.addCapture(session.id, Buffer.from([0xff, 0xd8, byte]), result);
  }
  await log.annotate(log.captures()[0]!.id, { body_site: 'left forearm', note: 'raised' });
  const captureIds = log.captures().map((capture) => capture.id);
  await log.close();
  return { dir, captureIds, sessionIds: [first.id, second.id] };
}

async function findings(dir: string, key?: Buffer): Promise<string[]> {
  const log = await SessionLog.openForReading(dir, { key });
  try {
    return (await verifySessionLog(log, { key, settleMs: 0 })).findings.map((finding) => finding.message);
  } finally {
    await log.close();
  }
}

function tamper(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(path.join(dir, DATABASE_FILE));
  change(db);
  db.close();
}

/** What an attacker who knows the algorithm (but not the key) does after an edit: recompute every hash. */
function rechain(db: Database.Database): void {
  let previous = GENESIS_HASH;
  for (const entry of db.prepare('SELECT * FROM journal ORDER BY seq').all() as JournalEntry[]) {
    const hash = entryHash(previous, entry.seq, entry.kind, entry.subject, entry.body);
    db.prepare('UPDATE journal SET prev_hash = ?, hash = ?, mac = NULL WHERE seq = ?').run(previous, hash, entry.seq);
    previous = hash;
  }
}

function editCaptureEverywhere(db: Database.Database, id: string): void {
  db.prepare('UPDATE captures SET p_malignant = 0.01 WHERE id = ?').run(id);
  const entry = db.prepare("SELECT seq, body FROM journal WHERE kind = 'capture' AND subject = ?").get(id) as { seq: number; body: string };
  db.prepare('UPDATE journal SET body = ? WHERE seq = ?').run(JSON.stringify({ ...JSON.parse(entry.body), p_malignant: 0.01 }), entry.seq);
  rechain(db);
}

describe('tamper evidence', () => {
  it('finds nothing in an untouched log, and records every change as a journal entry', async () => {
    const { dir } = await makeLog();
    expect(await findings(dir)).toEqual([]);
    const log = await SessionLog.openForReading(dir);
    expect(journalOf(log).map((entry) => entry.kind)).toEqual(['session', 'session', 'capture', 'capture', 'capture', 'capture', 'annotation']);
    await log.close();
  });

  const attacks: [string, (dir: string, ids: { captureIds: string[]; sessionIds: string[] }) => void, RegExp][] = [
    ['the newest row deleted, journal entry and all', (dir) => tamper(dir, (db) => {
      db.exec("DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)");
    }), /the journal ends at entry 6, but the anchor saw entry 7: the newest entries were removed/],
    ['the newest capture deleted from its table only', (dir, { captureIds }) => tamper(dir, (db) => {
      db.prepare('DELETE FROM captures WHERE id = ?').run(captureIds[3]);
    }), /capture .* is in the journal but its row was deleted/],
    ['the newest twenty entries (here: the last five) deleted', (dir) => tamper(dir, (db) => {
      db.exec('DELETE FROM journal WHERE seq > 2; DELETE FROM captures;');
    }), /the newest entries were removed/],
    ['every row deleted', (dir) => tamper(dir, (db) => db.exec('DELETE FROM journal; DELETE FROM captures; DELETE FROM sessions;')), /the journal ends at entry 0, but the anchor saw entry 7/],
    ['a result edited and the chain recomputed', (dir, { captureIds }) => tamper(dir, (db) => editCaptureEverywhere(db, captureIds[1]!)),
      /journal entry 4 is not the one the anchor saw: the journal was rewritten/],
    ['a note edited', (dir, { captureIds }) => tamper(dir, (db) => db.prepare("UPDATE captures SET note = 'flat' WHERE id = ?").run(captureIds[0])),
      /differs from its journal entries in note: it was edited/],
    ['a body site edited', (dir, { captureIds }) => tamper(dir, (db) => db.prepare("UPDATE captures SET body_site = 'back' WHERE id = ?").run(captureIds[0])),
      /differs from its journal entries in body_site/],
    ['an operator edited', (dir) => tamper(dir, (db) => db.exec("UPDATE sessions SET operator = 'mallory'")), /session .* differs from its journal entries in operator/],
    ['a session inserted', (dir) => tamper(dir, (db) => db.exec("INSERT INTO sessions VALUES ('20260101-000000-abcdef', '2026-01-01T00:00:00.000Z', 'mallory', NULL)")),
      /session 20260101-000000-abcdef is in the table but not in the journal/],
    ['an image changed', (dir, { captureIds, sessionIds }) => writeFileSync(path.join(dir, sessionIds[0]!, `${captureIds[0]}.jpg`), 'swapped'), /its image .* was changed/],
    ['an extra image with no row', (dir, { sessionIds }) => writeFileSync(path.join(dir, sessionIds[1]!, '120000-abcdef.jpg'), 'planted'), /120000-abcdef\.jpg is in a session folder but no capture refers to it/],
    ['an image replaced by a link to /dev/zero', (dir, { captureIds, sessionIds }) => {
      const file = path.join(dir, sessionIds[0]!, `${captureIds[1]}.jpg`);
      unlinkSync(file);
      symlinkSync('/dev/zero', file);
    }, /cannot be checked: it is a symbolic link/],
    ['the anchor deleted', (dir) => unlinkSync(path.join(dir, ANCHOR_FILE)), /the anchor file dermacam\.anchor is missing/],
  ];
  for (const [attack, apply, finding] of attacks) {
    it(`detects ${attack}`, async () => {
      const { dir, ...ids } = await makeLog();
      apply(dir, ids);
      expect((await findings(dir)).join('\n')).toMatch(finding);
    });
  }

  it('with the log key, detects a recomputed chain even when the anchor is rewritten to match', async () => {
    const key = randomBytes(32);
    const { dir, captureIds } = await makeLog(key);
    expect(await findings(dir, key)).toEqual([]);
    tamper(dir, (db) => {
      editCaptureEverywhere(db, captureIds[1]!);
      const head = db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
      writeFileSync(path.join(dir, ANCHOR_FILE), `${head.seq} ${head.hash}\n`);
    });
    expect(await findings(dir)).toEqual([]); // without the key, a consistent rewrite is all one can see
    expect((await findings(dir, key)).join('\n')).toMatch(/has no valid MAC: the journal was rewritten/);
  });

  it('with the log key, detects entries appended without it', async () => {
    const key = randomBytes(32);
    const { dir } = await makeLog(key);
    const log = await SessionLog.open(dir); // no key: as an attacker would write
    await log.startSession('mallory');
    await log.close();
    expect((await findings(dir, key)).join('\n')).toMatch(/entry 8 has no MAC although earlier entries do/);
    const entries = new Database(path.join(dir, DATABASE_FILE), { readonly: true }).prepare('SELECT hash, mac FROM journal WHERE seq = 1').get() as { hash: string; mac: string };
    expect(entries.mac).toBe(entryMac(key, entries.hash));
  });
});

describe('doctor --verify', () => {
  it('exits non-zero on a finding, prints the head, and --repair moves an unreferenced image aside without deleting it', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const { dir, sessionIds } = await makeLog();
    const clean = await runCli(['doctor', '--verify', '--data-dir', dir]);
    expect(clean.stdout).toMatch(/ok\s+log\s+4 captures, 7 journal entries: journal, tables, images and anchor \(up to entry 7\) agree/);
    expect(clean.stdout).toMatch(/log head\s+entry 7, sha256 [0-9a-f]{64}/);
    const planted = path.join(sessionIds[0]!, '235959-000000.jpg');
    writeFileSync(path.join(dir, planted), 'no row');
    const found = await runCli(['doctor', '--verify', '--data-dir', dir]);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`FAIL  log           ${planted} is in a session folder but no capture refers to it`);
    const repaired = await runCli(['doctor', '--verify', '--repair', '--data-dir', dir]);
    expect(repaired.stdout).toMatch(/ok\s+repair\s+moved 1 file/);
    expect(existsSync(path.join(dir, planted))).toBe(false);
    const moved = readdirSync(path.join(dir, 'unreferenced'), { recursive: true }).map(String);
    expect(moved.some((file) => file.endsWith('235959-000000.jpg'))).toBe(true);
    const after = await runCli(['doctor', '--verify', '--data-dir', dir]);
    expect(after.stdout).not.toContain('FAIL  log');
  });

  it('checks the log against a head kept from an earlier export', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const { dir } = await makeLog();
    const exported = await runCli(['export', '--all', '--data-dir', dir]);
    const head = /Log head: entry (\d+), sha256 ([0-9a-f]{64})\./.exec(exported.stderr)!;
    expect(head).not.toBeNull();
    // deleting the journal's tail and the anchor with it leaves only the exported head to tell
    tamper(dir, (db) => db.exec('DELETE FROM journal WHERE seq = 7'));
    writeFileSync(path.join(dir, ANCHOR_FILE), '');
    const verified = await runCli(['doctor', '--verify', '--head', `${head[1]}:${head[2]}`, '--data-dir', dir]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/the journal ends before entry 7, which an earlier export vouched for/);
  });
});

describe('several writers on one folder', () => {
  it('three processes writing at once lose nothing, and a reader beside them sees no false finding', async () => {
    const dir = tempDir();
    const perWriter = 60;
    const writer = `
      const { SessionLog } = await import(${JSON.stringify(path.join(REPO, 'src/store/sessionLog.ts'))});
      const log = await SessionLog.open(process.argv[1]);
      const session = await log.startSession('writer ' + process.pid);
      for (let i = 0; i < ${perWriter}; i++) {
        await log.addCapture(session.id, Buffer.from('jpeg ' + process.pid + ' ' + i), ${JSON.stringify(result)});
        if (i % 10 === 9) await log.withdrawCapture(log.captures(session.id).at(-1).id, 'retake');
      }
      await log.close();`;
    const run = promisify(execFile);
    const writers = [1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, dir], { timeout: 120_000 }));
    let reads = 0;
    const seen: string[] = [];
    let done = false;
    const all = Promise.all(writers).finally(() => (done = true));
    while (!done) {
      if (existsSync(path.join(dir, DATABASE_FILE))) {
        const log = await SessionLog.openForReading(dir).catch(() => undefined); // the first writer may still be creating it
        if (log) {
          seen.push(...(await verifySessionLog(log, { settleMs: 200 })).findings.map((finding) => finding.message));
          await log.close();
          reads++;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await all;
    expect(seen).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const log = await SessionLog.openForReading(dir);
    expect(log.captures()).toHaveLength(3 * perWriter);
    expect(log.captures().filter((capture) => capture.withdrawn_at === null)).toHaveLength(3 * perWriter * 0.9);
    const images = log.sessions().flatMap((session) => readdirSync(path.join(dir, session.id)));
    expect(images).toHaveLength(3 * perWriter * 0.9);
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  }, 180_000);
});

describe('privacy and read-only disks', () => {
  it('tightens a data folder and database that others may read to 0700 and 0600, -wal and -shm included', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, DATABASE_FILE), '', { mode: 0o644 });
    chmodSync(path.join(dir, DATABASE_FILE), 0o644);
    const log = await SessionLog.open(dir);
    await log.startSession('alice');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, ANCHOR_FILE]) {
      expect(statSync(path.join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
    await log.close();
  });

  it('sessions, export and doctor --verify read a log on a read-only mount', async ({ skip }) => {
    const mountPoint = tempDir();
    const run = promisify(execFile);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'none', mountPoint]).then(() => true, () => false);
    if (!mounted) skip('mounting a tmpfs needs root');
    try {
      const { dir } = await makeLog();
      const copy = path.join(mountPoint, 'captures');
      await run('cp', ['-a', dir, copy]);
      await run('mount', ['-o', 'remount,ro', mountPoint]);
      const { runCli } = await import('../helpers/cli.js');
      const sessions = await runCli(['sessions', '--data-dir', copy]);
      expect(sessions.stderr).toBe('');
      expect(sessions.stdout).toMatch(/alice\s+P-1\s+2/);
      const exported = await runCli(['export', '--all', '--data-dir', copy]);
      expect(exported.code).toBe(0);
      expect(exported.stdout.split('\r\n').filter(Boolean)).toHaveLength(5);
      const doctor = await runCli(['doctor', '--verify', '--data-dir', copy]);
      expect(doctor.stdout).toMatch(/ok\s+log\s+4 captures/);
      expect(readdirSync(copy).sort()).toEqual(readdirSync(dir).sort());
    } finally {
      await run('umount', [mountPoint]).catch(() => undefined);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});

describe('migration to the journal', () => {
  it('journals a schema-1 log, verifies it, and records that its old chain was intact', async () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO sessions VALUES ('S1', '2026-01-01T00:00:00.000Z', 'alice', NULL)").run();
    mkdirSync(path.join(dir, 'S1'));
    const jpeg = Buffer.from('old jpeg');
    writeFileSync(path.join(dir, 'S1', 'c1.jpg'), jpeg);
    db.prepare(
      `INSERT INTO captures (id, session_id, captured_at, image_path, image_sha256, p_malignant, label, threshold, model_name, model_sha256,
       backend, latency_ms, quality_ok, quality_reasons, note) VALUES ('c1', 'S1', '2026-01-01T00:00:01.000Z', 'S1/c1.jpg', ?, 0.5, 'benign', 0.6, 'm', 'x', 'wasm', 9, 1, '[]', 'old note')`,
    ).run(createHash('sha256').update(jpeg).digest('hex'));
    db.close();
    const log = await SessionLog.open(dir);
    await log.startSession('bob'); // the first write after the upgrade starts the anchor
    const journal = journalOf(log);
    expect(journal.map((entry) => entry.kind)).toEqual(['migration', 'session', 'capture', 'annotation', 'session']);
    expect(JSON.parse(journal[0]!.body)).toEqual({ from_schema: 2, capture_chain: 'intact' });
    expect(log.captures()[0]).toMatchObject({ note: 'old note', withdrawn_at: null });
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  });
});
