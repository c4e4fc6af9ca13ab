import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ANCHOR_FILE } from '../../src/store/anchor.js';
import { readLogKey } from '../../src/store/logKey.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO } from '../helpers/paths.js';
import { findingsOf, makeSmallLog, rechain, tamper, tempDir, verifyFolder } from '../helpers/smallLog.js';

// issue 23: the attacks on `doctor --verify` that fooled or crashed it

describe('an image and its temp file: content counts, not the pid in its name', () => {
  it('finds an image deleted and replaced by an empty temp file named after a live pid, with and without the key', async () => {
    const key = Buffer.alloc(32, 7);
    const { dir, captures } = await makeSmallLog(key);
    const image = path.join(dir, captures[1]!.image_path);
    unlinkSync(image);
    writeFileSync(`${image}.1-00000000.partial`, ''); // pid 1 is always alive
    for (const withKey of [undefined, key]) {
      expect((await findingsOf(dir, withKey)).join('\n')).toMatch(new RegExp(`capture ${captures[1]!.id}: its image .* is missing`));
    }
  });

  it('calls a committed image still in its temp file a note, not a finding, and the next writable open puts it in place whatever pid it names', async () => {
    const { dir, captures } = await makeSmallLog();
    const image = path.join(dir, captures[2]!.image_path);
    renameSync(image, `${image}.1-0badf00d.partial`); // a crashed writer whose pid was reused (here by init)
    const report = await verifyFolder(dir);
    expect(report.findings).toEqual([]);
    expect(report.notes.map((note) => note.message).join('\n')).toMatch(/is committed but still in its temporary file .*: the app's next writable open, or doctor --verify --repair, puts it in place/);
    await (await SessionLog.open(dir)).close();
    expect(readFileSync(image)).toEqual(captures[2]!.jpeg);
    expect(readdirSync(path.dirname(image)).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(await verifyFolder(dir)).toMatchObject({ findings: [], notes: [] });
  });

  it('reports a temp file that no capture stands behind, whatever pid it names', async () => {
    const { dir, sessionIds } = await makeSmallLog();
    writeFileSync(path.join(dir, sessionIds[0]!, `stray.jpg.1-00000000.partial`), 'planted');
    writeFileSync(path.join(dir, sessionIds[1]!, `other.jpg.${process.pid}-00000000.partial`), 'planted');
    const found = await findingsOf(dir);
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/stray\.jpg\.1-00000000\.partial is in a session folder but no capture refers to it/);
  });
});

describe('a crash between commit and rename (issue 23, item 4)', () => {
  it('is no tamper alarm, and --repair puts the image in place and says so', async () => {
    const { dir, captures } = await makeSmallLog();
    const image = path.join(dir, captures[0]!.image_path);
    renameSync(image, `${image}.999999-0badf00d.partial`);
    const verified = await runCli(['doctor', '--verify', '--data-dir', dir]);
    expect(verified.stdout).not.toContain('FAIL');
    expect(verified.stdout).toMatch(/note\s+log\s+capture .* is committed but still in its temporary file/);
    expect(verified.code).toBe(0);
    const repaired = await runCli(['doctor', '--verify', '--repair', '--data-dir', dir]);
    expect(repaired.stdout).not.toMatch(/does not exist|FAIL/);
    expect(repaired.stdout).toMatch(/ok\s+repair\s+put 1 committed image\(s\) in place/);
    expect(repaired.code).toBe(0);
    expect(readFileSync(image)).toEqual(captures[0]!.jpeg);
  });
});

describe('doctor --verify reports instead of crashing (issue 23, item 2)', () => {
  const journalAttacks: [string, (dir: string) => void][] = [
    ['a capture entry whose session was never started', (dir) => tamper(dir, (db) => {
      const entry = db.prepare('SELECT seq, body FROM journal WHERE seq = 3').get() as { seq: number; body: string };
      db.prepare('UPDATE journal SET body = ? WHERE seq = 3').run(JSON.stringify({ ...JSON.parse(entry.body), session_id: 'never-started' }));
      rechain(db);
    })],
    ...['not json', 'null', '[]', '"text"'].map((body): [string, (dir: string) => void] => [`a capture entry whose body is ${body}`, (dir) => tamper(dir, (db) => {
      db.prepare('UPDATE journal SET body = ? WHERE seq = 3').run(body);
      rechain(db);
    })]),
    ['an anchor line "0 <hash>"', (dir) => writeFileSync(path.join(dir, ANCHOR_FILE), `0 ${'a'.repeat(64)}\n`, { flag: 'a' })],
  ];
  for (const [attack, apply] of journalAttacks) {
    it(`reports ${attack}`, async () => {
      const { dir } = await makeSmallLog();
      apply(dir);
      expect((await findingsOf(dir)).length).toBeGreaterThan(0);
    });
  }

  it('checks an untampered log whose anchor has more lines than a call can take arguments', async () => {
    const { dir } = await makeSmallLog();
    const anchor = readFileSync(path.join(dir, ANCHOR_FILE), 'utf8');
    writeFileSync(path.join(dir, ANCHOR_FILE), anchor.repeat(Math.ceil(200_000 / anchor.split('\n').length)));
    const report = await verifyFolder(dir);
    expect(report.findings).toEqual([]);
    expect(report.anchored).toBe(7);
  });

  it('skips a root-only lost+found in a data folder that is a mount point, checked as a normal user', async () => {
    const { dir } = await makeSmallLog();
    mkdirSync(path.join(dir, 'lost+found'), { mode: 0o700 });
    if (process.getuid?.() !== 0) {
      chmodSync(path.join(dir, 'lost+found'), 0o000);
      expect(await verifyFolder(dir)).toMatchObject({ findings: [] });
      return;
    }
    // as root: the data folder and its log belong to nobody, and lost+found stays root's
    const nobody = 65534;
    const chownTree = (folder: string): void => {
      chownSync(folder, nobody, nobody);
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.name === 'lost+found') continue;
        const file = path.join(folder, entry.name);
        if (entry.isDirectory()) chownTree(file);
        else chownSync(file, nobody, nobody);
      }
    };
    chownTree(dir);
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [CLI, 'doctor', '--verify', '--data-dir', dir], { cwd: REPO, uid: nobody, gid: nobody, env: { PATH: process.env.PATH } })
      .catch((error: { code: number; stdout: string; stderr: string }) => {
        throw new Error(`exit ${error.code}: ${error.stdout}${error.stderr}`);
      });
    expect(stdout).toMatch(/ok\s+log\s+4 captures/);
  });
});

describe('only session folders are checked (issue 23, item 5)', () => {
  it('leaves a DICOM export inside the data folder alone, in verify and in --repair, but still checks a folder named like a session', async () => {
    const { dir } = await makeSmallLog();
    mkdirSync(path.join(dir, 'usb', 'DICOM', 'P0001'), { recursive: true });
    writeFileSync(path.join(dir, 'usb', 'DICOM', 'P0001', 'I0001'), 'dicom');
    writeFileSync(path.join(dir, 'usb', 'DICOMDIR'), 'index');
    const report = await verifyFolder(dir);
    expect(report.findings).toEqual([]);
    expect(report.notes.map((note) => note.message)).toEqual(['left alone, as they are not session folders: usb']);
    const repaired = await runCli(['doctor', '--verify', '--repair', '--data-dir', dir]);
    expect(repaired.code).toBe(0);
    expect(readdirSync(path.join(dir, 'usb')).sort()).toEqual(['DICOM', 'DICOMDIR']);
    expect(existsSync(path.join(dir, 'unreferenced'))).toBe(false);

    mkdirSync(path.join(dir, '20260101-000000-abcdef'));
    writeFileSync(path.join(dir, '20260101-000000-abcdef', '120000-abcdef.jpg'), 'planted');
    expect(await findingsOf(dir)).toEqual(['20260101-000000-abcdef/120000-abcdef.jpg is in a session folder but no capture refers to it']);
  });
});

describe('smaller holes (issue 23, item 8)', () => {
  it('refuses a log key named ..key inside the data folder', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, '..key'), Buffer.alloc(32, 1), { mode: 0o600 });
    await expect(readLogKey({ DERMACAM_LOG_KEY: path.join(dir, '..key') }, dir)).rejects.toThrow(/lies inside the data folder/);
    const outside = tempDir();
    writeFileSync(path.join(outside, 'log.key'), Buffer.alloc(32, 1), { mode: 0o600 });
    await expect(readLogKey({ DERMACAM_LOG_KEY: path.join(outside, 'log.key') }, dir)).resolves.toHaveLength(32);
  });

  it('tightens an existing anchor that others may read to 0600', async () => {
    const { dir } = await makeSmallLog();
    chmodSync(path.join(dir, ANCHOR_FILE), 0o644);
    const log = await SessionLog.open(dir);
    await log.startSession('carol');
    await log.close();
    expect(statSync(path.join(dir, ANCHOR_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses --head 0:<hash> as a usage error: entries are numbered from 1', async () => {
    const { dir } = await makeSmallLog();
    const refused = await runCli(['doctor', '--verify', '--head', `0:${'a'.repeat(64)}`, '--data-dir', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^[^\n]*entries are numbered from 1[^\n]*\.$/);
    expect(refused.stdout).toBe('');
  });
});
