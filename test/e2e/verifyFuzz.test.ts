import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLog, UNFINISHED_CHECK, type Check } from '../../src/commands/doctor.js';
import { ANCHOR_FILE } from '../../src/store/anchor.js';
import { LOG_KEY_VARIABLE } from '../../src/store/logKey.js';
import { runCli } from '../helpers/cli.js';
import { makeSmallLog, rechain, tamper, tempDir, type SmallLog } from '../helpers/smallLog.js';

// issue 23: `doctor --verify` on randomly damaged logs ends with findings and exit 1, or with
// exit 0, never with an exception or another code. Seeded: the same cases every run.

const CASES = 300;
const THROUGH_THE_CLI = 4;
const SEED = 0x23_2026;

/** mulberry32: small, seeded, good enough to pick damage. */
function makeRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T,>(items: readonly T[]): T => items[int(items.length)]!;
  const hex = (length: number) => Array.from({ length }, () => int(16).toString(16)).join('');
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  return { next, int, pick, hex, bytes };
}
type Random = ReturnType<typeof makeRandom>;

interface Damage {
  name: string;
  /** Whether this damage alone must give a finding (some is no tampering: a folder of an export, a committed image not yet renamed). */
  found: boolean;
}

type Damager = (dir: string, log: SmallLog, random: Random) => Damage;

const JOURNAL_ENTRIES = 7;
const KINDS = ['session', 'capture', 'annotation', 'withdrawal', 'repair', 'migration', 'lesion', 'lesion-link', 'bogus', ''];
const BODIES = ['not json', 'null', '[]', '{}', '"text"', '123', '{"session_id":null}', '{"__proto__":{"polluted":1}}', '{"session_id":{"a":1}}', '\u0000\u001b[2J'];
const PIDS = [1, process.pid, 999_999, 4_194_305, 2 ** 31];

const withJournal = (dir: string, change: (db: Database.Database) => void, recompute: boolean) =>
  tamper(dir, (db) => {
    change(db);
    if (recompute) rechain(db);
  });

/** The journal and tables: edited, deleted, duplicated, and the chain recomputed or not. */
const journalDamage: Damager[] = [
  (dir, _log, random) => {
    const seq = 1 + random.int(JOURNAL_ENTRIES);
    const recompute = random.next() < 0.5;
    const body = random.next() < 0.3 ? random.bytes(1 + random.int(40)).toString('latin1') : random.pick(BODIES);
    withJournal(dir, (db) => db.prepare("UPDATE journal SET body = ? || CASE WHEN body = ? THEN ' ' ELSE '' END WHERE seq = ?").run(body, body, seq), recompute);
    return { name: `body of entry ${seq} is ${JSON.stringify(body)}${recompute ? ', chain recomputed' : ''}`, found: true };
  },
  (dir, _log, random) => {
    const seq = 1 + random.int(JOURNAL_ENTRIES);
    const [field, value] = random.pick([['kind', random.pick(KINDS)], ['subject', random.pick(['', '../x', 'S1', random.hex(6)])], ['hash', random.hex(64)], ['prev_hash', random.pick(['', random.hex(64)])]] as const);
    const recompute = field !== 'hash' && field !== 'prev_hash' && random.next() < 0.5;
    withJournal(dir, (db) => db.prepare(`UPDATE journal SET ${field} = ? || CASE WHEN ${field} = ? THEN 'x' ELSE '' END WHERE seq = ?`).run(value, value, seq), recompute);
    return { name: `${field} of entry ${seq} is ${JSON.stringify(value)}${recompute ? ', chain recomputed' : ''}`, found: true };
  },
  (dir, _log, random) => {
    const seq = 1 + random.int(JOURNAL_ENTRIES);
    const to = random.pick([0, -1, JOURNAL_ENTRIES + 1 + random.int(5), 2 ** 53 - 1]);
    withJournal(dir, (db) => db.prepare('UPDATE journal SET seq = ? WHERE seq = ?').run(to, seq), false);
    return { name: `entry ${seq} renumbered ${to}`, found: true };
  },
  (dir, _log, random) => {
    const seq = 1 + random.int(JOURNAL_ENTRIES);
    const recompute = random.next() < 0.5;
    withJournal(dir, (db) => db.prepare('DELETE FROM journal WHERE seq = ?').run(seq), recompute);
    return { name: `entry ${seq} deleted${recompute ? ', chain recomputed' : ''}`, found: true };
  },
  (dir, _log, random) => {
    const seq = 1 + random.int(JOURNAL_ENTRIES);
    let kind = '';
    withJournal(dir, (db) => {
      kind = (db.prepare('SELECT kind FROM journal WHERE seq = ?').get(seq) as { kind: string }).kind;
      db.prepare("INSERT INTO journal (seq, kind, subject, body, prev_hash, hash, mac) SELECT ?, kind, subject, body, '', '', NULL FROM journal WHERE seq = ?").run(JOURNAL_ENTRIES + 1, seq);
    }, true);
    // appended as the newest, chain and all: an annotation repeated is a consistent append, which only the key shows
    return { name: `entry ${seq} (${kind}) repeated as the newest`, found: kind !== 'annotation' };
  },
  (dir, _log, random) => {
    const mac = random.pick(['', random.hex(64), 'x']);
    withJournal(dir, (db) => db.prepare('UPDATE journal SET mac = ? WHERE seq = ?').run(mac, 1 + random.int(JOURNAL_ENTRIES)), false);
    return { name: `a MAC set to ${JSON.stringify(mac)}`, found: false }; // found only with the key, and not every case runs with it
  },
  (dir, log, random) => {
    const capture = random.pick(log.captures);
    const [field, value] = random.pick([
      ['p_malignant', random.next()], ['image_path', random.pick(['../../etc/hostname', '/dev/zero', '', 'x/y.jpg', 42])],
      ['session_id', random.pick(['nope', log.sessionIds[0]!, 7])], ['label', random.pick(['malignant', '', null])], ['withdrawn_at', '2026-01-01T00:00:00.000Z'],
    ] as const);
    let changed = 0;
    tamper(dir, (db) => {
      try {
        changed = db.prepare(`UPDATE captures SET ${field} = ? WHERE id = ? AND ${field} IS NOT ?`).run(value, capture.id, value).changes;
      } catch {
        changed = 0; // NOT NULL
      }
    });
    return { name: `capture ${capture.id}'s ${field} set to ${JSON.stringify(value)}`, found: changed > 0 };
  },
  (dir, log, random) => {
    const [table, id] = random.pick([['captures', random.pick(log.captures).id], ['sessions', random.pick(log.sessionIds)]] as const);
    tamper(dir, (db) => db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id));
    return { name: `row ${id} deleted from ${table}`, found: true };
  },
];

/** The anchor file, when an earlier damage left it a regular file: a link to /dev/zero or a pipe is not read or written here. */
function regularAnchor(dir: string): string {
  const file = path.join(dir, ANCHOR_FILE);
  if (!lstatSync(file).isFile()) throw new Error('the anchor is no longer a file');
  return file;
}

/** The anchor: lines that do not parse, heads the journal does not have, cut short, gone, or not a file. */
const anchorDamage: Damager[] = [
  (dir, _log, random) => {
    const line = random.pick([`0 ${random.hex(64)}`, `-1 ${random.hex(64)}`, `99999999999999999999 ${random.hex(64)}`, `${random.int(JOURNAL_ENTRIES) + 1} ${random.hex(64)}`,
      `${JOURNAL_ENTRIES + 1 + random.int(1000)} ${random.hex(64)}`, random.hex(10), random.bytes(20).toString('latin1'), ' ', '7 ABC']);
    writeFileSync(regularAnchor(dir), `${line}\n`, { flag: 'a' });
    return { name: `anchor line ${JSON.stringify(line)}`, found: true };
  },
  (dir, _log, random) => {
    const file = regularAnchor(dir);
    const text = readFileSync(file, 'utf8');
    const length = random.int(text.length);
    truncateSync(file, length);
    return { name: `anchor cut to ${length} bytes`, found: length > 0 && text[length - 1] !== '\n' }; // an anchor behind the journal is allowed
  },
  (dir, _log, random) => {
    const file = path.join(dir, ANCHOR_FILE);
    const how = random.pick(['deleted', 'a link to /dev/zero', 'a folder', 'a pipe']);
    unlinkSync(file);
    if (how === 'a link to /dev/zero') symlinkSync('/dev/zero', file);
    if (how === 'a folder') mkdirSync(file);
    if (how === 'a pipe') execFileSync('mkfifo', [file]);
    return { name: `anchor ${how}`, found: true };
  },
  (dir) => {
    const file = regularAnchor(dir);
    writeFileSync(file, readFileSync(file, 'utf8').repeat(20_000)); // 140,000 lines, all true
    return { name: 'anchor of 140,000 true lines', found: false };
  },
];

/** The folders: files and folders added, images deleted, swapped for temp files, links and pipes. */
const folderDamage: Damager[] = [
  (dir, log, random) => {
    const session = random.pick(log.sessionIds);
    const image = path.basename(random.pick(log.captures).image_path);
    const name = random.pick([`${random.hex(6)}.jpg`, `${image}.${random.pick(PIDS)}-${random.hex(8)}.partial`, `x.jpg.${random.pick(PIDS)}-${random.hex(8)}.partial`, 'notes.txt.partial', '.hidden', 'a b\nc']);
    writeFileSync(path.join(dir, session, name), random.bytes(random.int(16)));
    return { name: `file ${JSON.stringify(name)} added to a session folder`, found: true };
  },
  (dir, _log, random) => {
    const sessionLike = random.next() < 0.5;
    const folder = sessionLike ? `2026${random.int(10)}101-000000-${random.hex(6)}` : random.pick(['usb', 'lost+found', 'DICOM', '.git', 'unreferenced', 'backup-2026']);
    const withFile = random.next() < 0.7;
    mkdirSync(path.join(dir, folder), { recursive: true });
    if (withFile) writeFileSync(path.join(dir, folder, `${random.hex(6)}.jpg`), 'planted');
    return { name: `folder ${folder}${withFile ? ' with a file' : ''} added`, found: sessionLike && withFile };
  },
  (dir, log, random) => {
    const session = random.pick(log.sessionIds);
    mkdirSync(path.join(dir, session, random.pick(['sub', 'DICOM', `${random.hex(6)}.jpg`])));
    return { name: 'folder added inside a session folder', found: true };
  },
  (dir, log, random) => {
    const capture = random.pick(log.captures);
    const image = path.join(dir, capture.image_path);
    const how = random.pick(['deleted', 'an empty temp file', 'a temp file of other bytes', 'committed, not yet renamed', 'a link to /dev/zero', 'a link to another image', 'a pipe', 'a folder']);
    const temp = `${image}.${random.pick(PIDS)}-${random.hex(8)}.partial`;
    if (how === 'committed, not yet renamed') renameSync(image, temp);
    else unlinkSync(image);
    if (how === 'an empty temp file') writeFileSync(temp, '');
    if (how === 'a temp file of other bytes') writeFileSync(temp, random.bytes(3));
    if (how === 'a link to /dev/zero') symlinkSync('/dev/zero', image);
    if (how === 'a link to another image') symlinkSync(path.join(dir, log.captures.find((other) => other.id !== capture.id)!.image_path), image);
    if (how === 'a pipe') execFileSync('mkfifo', [image]);
    if (how === 'a folder') mkdirSync(image);
    return { name: `image ${capture.id} ${how}`, found: how !== 'committed, not yet renamed' };
  },
  (dir, log, random) => {
    const session = random.pick(log.sessionIds);
    const folder = path.join(dir, session);
    const how = random.pick(['replaced by a file', 'deleted', 'a link to a copy', 'mode 000']);
    if (how === 'mode 000') {
      chmodSync(folder, 0o000);
      locked.push(folder);
    } else if (how === 'a link to a copy') {
      const copy = `${folder}.moved`;
      renameSync(folder, copy);
      symlinkSync(copy, folder);
    } else {
      rmSync(folder, { recursive: true });
      if (how === 'replaced by a file') writeFileSync(folder, 'not a folder');
    }
    // a copy behind a link holds the same images; root reads a folder of mode 000
    const found = how === 'mode 000' ? process.getuid?.() !== 0 : how !== 'a link to a copy';
    return { name: `session folder ${session} ${how}`, found };
  },
];

const DAMAGERS = [...journalDamage, ...anchorDamage, ...folderDamage];

/** Folders made mode 000, to be opened again before they are removed. */
const locked: string[] = [];

/** A damaged copy of a template log: one kind of damage in half the cases, two or three in the others. */
function damage(template: SmallLog, random: Random): { dir: string; damages: Damage[] } {
  const dir = tempDir('dermacam-fuzz-');
  cpSync(template.dir, dir, { recursive: true });
  const count = random.next() < 0.5 ? 1 : 2 + random.int(2);
  const damages: Damage[] = [];
  for (let i = 0; i < count; i++) {
    try {
      damages.push(random.pick(DAMAGERS)(dir, template, random));
    } catch {
      // the damage did not apply to what an earlier one left (an image already gone...): it is no damage
    }
  }
  return { dir, damages };
}

const exitCode = (checks: Check[]) => (checks.some((check) => check.status === 'fail') ? 1 : 0);

describe('doctor --verify on randomly damaged logs', () => {
  const folders: string[] = [];
  let plain: SmallLog;
  let keyed: SmallLog;
  let keyFile: string;

  beforeAll(async () => {
    plain = await makeSmallLog();
    const key = Buffer.alloc(32, 0x5a);
    keyed = await makeSmallLog(key);
    keyFile = path.join(tempDir('dermacam-fuzz-key-'), 'log.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    folders.push(plain.dir, keyed.dir, path.dirname(keyFile));
  });

  afterAll(() => {
    for (const folder of locked) chmodSync(folder, 0o700);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it(`ends every one of ${CASES} seeded cases with findings and exit 1, or with exit 0`, async () => {
    const random = makeRandom(SEED);
    const outcomes = { found: 0, clean: 0 };
    for (let n = 0; n < CASES; n++) {
      const withKey = n % 3 === 2;
      const { dir, damages } = damage(withKey ? keyed : plain, random);
      folders.push(dir);
      const what = `case ${n}${withKey ? ' (with the key)' : ''}: ${damages.map((one) => one.name).join('; ') || 'no damage'}`;
      if (withKey) process.env[LOG_KEY_VARIABLE] = keyFile;
      let checks: Check[];
      try {
        checks = await checkLog({ dataDir: dir, repair: false, settleMs: 0 });
      } finally {
        delete process.env[LOG_KEY_VARIABLE];
      }
      expect(checks.filter((check) => check.detail.startsWith(UNFINISHED_CHECK)), what).toEqual([]);
      expect(checks.every((check) => ['ok', 'note', 'fail'].includes(check.status)), what).toBe(true);
      const code = exitCode(checks);
      if (damages.length === 1 && damages[0]!.found) expect(code, what).toBe(1);
      if (code === 0) expect(checks.some((check) => check.status === 'ok' && check.detail.includes('agree')), what).toBe(true);
      outcomes[code === 1 ? 'found' : 'clean']++;
    }
    expect(outcomes.found).toBeGreaterThan(CASES / 2);
    expect(outcomes.clean).toBeGreaterThan(0);
  }, 120_000);

  it(`gives exit 1 and FAIL lines, or exit 0, through the CLI (${THROUGH_THE_CLI} cases)`, async () => {
    const random = makeRandom(SEED + 1);
    for (let n = 0; n < THROUGH_THE_CLI; n++) {
      const { dir, damages } = damage(plain, random);
      folders.push(dir);
      const { code, stdout, stderr } = await runCli(['doctor', '--verify', '--data-dir', dir]);
      const what = `CLI case ${n}: ${damages.map((one) => one.name).join('; ')}\n${stdout}${stderr}`;
      expect([0, 1], what).toContain(code);
      expect(stderr, what).not.toMatch(/Unexpected error/);
      expect(stdout.includes('FAIL'), what).toBe(code === 1);
      expect(stdout, what).toMatch(/Verdict: /);
    }
  }, 120_000);
});
