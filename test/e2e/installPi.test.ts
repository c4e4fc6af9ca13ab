import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPacsConfig } from '../../src/outbox/config.js';
import { REPO } from '../helpers/paths.js';

/**
 * scripts/install-pi.sh run against a throwaway root (--root), as CI can: as root, with systemd
 * installed but not running. It installs from a small stand-in checkout (the real script and
 * deploy/, a fake build and a node_modules with production, nested, scoped and dev packages),
 * since copying the real 700 MB of dependencies twice would take minutes; what it does with them
 * is the same. The units it installs are checked with systemd-analyze verify --root.
 */

const isRoot = process.getuid?.() === 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value)}\n`);
}

/** A checkout as install-pi.sh expects one after npm ci && npm run build, in miniature. */
function makeCheckout(dir: string): void {
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  cpSync(path.join(REPO, 'scripts', 'install-pi.sh'), path.join(dir, 'scripts', 'install-pi.sh'));
  cpSync(path.join(REPO, 'deploy'), path.join(dir, 'deploy'), { recursive: true });
  writeJson(path.join(dir, 'package.json'), {
    name: 'dermacam',
    version: '0.0.1',
    dependencies: { 'prod-a': '1.0.0', 'prod-a-z': '1.0.0', '@scope/prod-b': '1.0.0' },
    devDependencies: { 'dev-c': '1.0.0' },
  });
  writeJson(path.join(dir, 'node_modules', 'prod-a', 'package.json'), { name: 'prod-a', version: '1.0.0', dependencies: { nested: '2.0.0' } });
  writeJson(path.join(dir, 'node_modules', 'prod-a', 'node_modules', 'nested', 'package.json'), { name: 'nested', version: '2.0.0' });
  // sorts between prod-a and prod-a/node_modules/nested: a package inside another must still be copied once
  writeJson(path.join(dir, 'node_modules', 'prod-a-z', 'package.json'), { name: 'prod-a-z', version: '1.0.0' });
  writeJson(path.join(dir, 'node_modules', '@scope', 'prod-b', 'package.json'), { name: '@scope/prod-b', version: '1.0.0' });
  writeJson(path.join(dir, 'node_modules', 'dev-c', 'package.json'), { name: 'dev-c', version: '1.0.0' });
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist', 'cli.js'), '#!/usr/bin/env node\nconsole.log("dermacam");\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'dist', 'worker.js'), 'export {};\n');
  writeJson(path.join(dir, 'models', 'dermacam-mnv1-075', 'model-card.json'), { name: 'stand-in' });
  mkdirSync(path.join(dir, 'kernels'));
  writeFileSync(path.join(dir, 'kernels', 'kernels.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(path.join(dir, 'kernels', 'jpeg.ts'), '// source, not installed\n');
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(path.join(dir, 'docs', 'RASPBERRY-PI.md'), '# On a Raspberry Pi\n');
}

/** Every entry under a folder: type, mode, owner, size, times, inode, link target and content hash. Equal snapshots: nothing changed. */
function snapshot(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const info = lstatSync(file, { bigint: true });
      const kind = info.isSymbolicLink() ? `link ${readlinkSync(file)}` : info.isDirectory() ? 'dir' : `file ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
      lines.push(`${path.relative(root, file)} ${kind} ${info.mode.toString(8)} ${info.uid}:${info.gid} ${info.size} m${info.mtimeNs} c${info.ctimeNs} i${info.ino}`);
      if (info.isDirectory()) walk(file);
    }
  };
  walk(root);
  return lines;
}

/** The passwd line of a user in the root's /etc/passwd, split at its colons. */
function passwdEntry(root: string, user: string): string[] | undefined {
  return readFileSync(path.join(root, 'etc', 'passwd'), 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === user);
}

function groupMembers(root: string, group: string): string[] {
  const line = readFileSync(path.join(root, 'etc', 'group'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${group}:`));
  return line?.split(':')[3]?.split(',').filter(Boolean) ?? [];
}

const hostFile = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The absolute programs a unit's Exec*= lines run ('-', '+', '@' and the like stripped). */
function unitPrograms(unitText: string): string[] {
  return [...unitText.matchAll(/^Exec\w+=[-+@:!]*(\/\S+)/gm)].map((match) => match[1]!);
}

describe.skipIf(!isRoot)('scripts/install-pi.sh --root (as root)', () => {
  let work: string;
  let checkout: string;
  let root: string;
  let script: string;
  const hostFiles = ['/etc/passwd', '/etc/group'];
  let hostHashes: string[];
  let first: Run;

  beforeAll(async () => {
    for (const tool of ['systemd-analyze', 'systemd-sysusers', 'systemctl', 'userdel', 'groupdel', 'npm']) {
      if ((await run('sh', ['-c', `command -v ${tool}`])).code !== 0) throw new Error(`The installer test needs ${tool}: run scripts/setup-tests.sh as root first.`);
    }
    work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-install-'));
    checkout = path.join(work, 'checkout');
    root = path.join(work, 'root');
    mkdirSync(root);
    makeCheckout(checkout);
    script = path.join(checkout, 'scripts', 'install-pi.sh');
    hostHashes = hostFiles.map(hostFile);
    first = await run('bash', [script, '--root', root]);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs: the user in group video, the data folder 0700, a config the app accepts, the app with production dependencies only, the unit enabled', async () => {
    expect(first.stderr.replace(/^Creating (group|user) .*\n/gm, '')).toBe('');
    expect(first.code).toBe(0);
    const user = passwdEntry(root, 'dermacam');
    expect(user).toBeDefined();
    const [uid, gid] = [Number(user![2]), Number(user![3])];
    expect(user![5]).toBe('/var/lib/dermacam');
    expect(user![6]).toBe('/usr/sbin/nologin');
    expect(uid).toBeLessThan(1000); // a system user
    expect(groupMembers(root, 'video')).toContain('dermacam');

    const data = lstatSync(path.join(root, 'var', 'lib', 'dermacam'));
    expect([data.isDirectory(), data.mode & 0o7777, data.uid, data.gid]).toEqual([true, 0o700, uid, gid]);

    const config = path.join(root, 'etc', 'dermacam', 'pacs.json');
    const configInfo = lstatSync(config);
    expect([configInfo.mode & 0o7777, configInfo.uid]).toEqual([0o600, uid]);
    // the skeleton is what --config (which makes the file required) accepts: no destinations
    expect(await readPacsConfig(config, { required: true })).toEqual({ destinations: [], equipment: {} });

    const app = path.join(root, 'opt', 'dermacam');
    for (const file of ['package.json', 'dist/cli.js', 'dist/worker.js', 'models/dermacam-mnv1-075/model-card.json', 'kernels/kernels.wasm', 'docs/RASPBERRY-PI.md']) {
      expect(existsSync(path.join(app, file)), file).toBe(true);
    }
    expect(existsSync(path.join(app, 'kernels', 'jpeg.ts'))).toBe(false);
    expect(readdirSync(path.join(app, 'node_modules')).sort()).toEqual(['@scope', 'prod-a', 'prod-a-z']); // no dev-c
    expect(existsSync(path.join(app, 'node_modules', 'prod-a', 'node_modules', 'nested', 'package.json'))).toBe(true);
    expect(lstatSync(path.join(app, 'dist', 'cli.js')).mode & 0o111).not.toBe(0);
    expect(snapshot(app).filter((line) => !/ 0:0 /.test(line))).toEqual([]); // all root's
    expect(readlinkSync(path.join(root, 'usr', 'local', 'bin', 'dermacam'))).toBe('/opt/dermacam/dist/cli.js');

    const units = path.join(root, 'etc', 'systemd', 'system');
    expect(readFileSync(path.join(units, 'dermacam.service'))).toEqual(readFileSync(path.join(REPO, 'deploy', 'dermacam.service')));
    expect(readlinkSync(path.join(units, 'multi-user.target.wants', 'dermacam.service'))).toBe('/etc/systemd/system/dermacam.service');
    for (const timer of readdirSync(path.join(REPO, 'deploy')).filter((name) => name.endsWith('.timer'))) {
      expect(readlinkSync(path.join(units, 'timers.target.wants', timer)), timer).toBe(`/etc/systemd/system/${timer}`);
    }
    expect(readFileSync(path.join(root, 'etc', 'sysusers.d', 'dermacam.conf'))).toEqual(readFileSync(path.join(REPO, 'deploy', 'dermacam.sysusers')));
    expect(readFileSync(path.join(root, 'etc', 'modules-load.d', 'dermacam.conf'), 'utf8')).toMatch(/^videodev$/m);
  });

  it('the installed units pass systemd-analyze verify, and the program and script they run are there', async () => {
    // the root gets systemd's own units (targets the service is ordered against) and stand-ins for
    // the programs the units name that a real image would have (node, clear, sh)
    const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((dir) => existsSync(path.join(dir, 'multi-user.target')))!;
    cpSync(systemUnits, path.join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true, dereference: false });
    const units = path.join(root, 'etc', 'systemd', 'system');
    const installed = readdirSync(units).filter((name) => /\.(service|timer)$/.test(name));
    expect(installed).toContain('dermacam.service');
    for (const unit of installed) {
      for (const program of unitPrograms(readFileSync(path.join(units, unit), 'utf8'))) {
        const inRoot = path.join(root, program);
        if (existsSync(inRoot)) continue;
        mkdirSync(path.dirname(inRoot), { recursive: true });
        writeFileSync(inRoot, '#!/bin/sh\n');
        chmodSync(inRoot, 0o755);
      }
    }
    const service = readFileSync(path.join(units, 'dermacam.service'), 'utf8');
    const execStart = /^ExecStart=(\S+) (\S+) (.*)$/m.exec(service);
    expect(execStart?.[1]).toBe('/usr/bin/node');
    expect(existsSync(path.join(root, execStart![2]!))).toBe(true); // /opt/dermacam/dist/cli.js
    expect(execStart![3]).toBe('--data-dir /var/lib/dermacam --camera /dev/video0 --config /etc/dermacam/pacs.json');
    for (const unit of installed) {
      const verify = await run('systemd-analyze', ['verify', `--root=${root}`, unit]);
      // warnings about systemd's own units are not ours; any line about dermacam's is a failure
      expect(verify.stderr.split('\n').filter((line) => line.includes('dermacam')), unit).toEqual([]);
      expect(verify.code, `${unit}: ${verify.stderr}`).toBe(0);
    }
  });

  it('a second run changes nothing: the same files, modes, owners, times and inodes, and says so', async () => {
    const before = snapshot(root);
    const second = await run('bash', [script, '--root', root]);
    expect(second).toEqual({ code: 0, stdout: '/opt/dermacam is up to date\n', stderr: '' });
    expect(snapshot(root)).toEqual(before);
  });

  it('an update replaces the app and keeps the settings the technician wrote', async () => {
    const config = path.join(root, 'etc', 'dermacam', 'pacs.json');
    writeFileSync(config, '{"destinations": [], "stationName": "DERM-ROOM2"}\n');
    writeFileSync(path.join(checkout, 'dist', 'cli.js'), '#!/usr/bin/env node\nconsole.log("dermacam 2");\n');
    const update = await run('bash', [script, '--root', root]);
    expect(update).toMatchObject({ code: 0, stdout: 'installed the app in /opt/dermacam\n' });
    expect(readFileSync(path.join(root, 'opt', 'dermacam', 'dist', 'cli.js'), 'utf8')).toContain('dermacam 2');
    expect(readFileSync(config, 'utf8')).toContain('DERM-ROOM2');
    expect(readdirSync(path.join(root, 'opt'))).toEqual(['dermacam']); // no staging folder left
  });

  it("an update removes a unit an earlier version had and this one has not, and keeps this version's", async () => {
    const units = path.join(root, 'etc', 'systemd', 'system');
    writeFileSync(path.join(units, 'dermacam-retired.timer'), '[Unit]\nDescription=a timer of an earlier version\n\n[Timer]\nOnCalendar=daily\n\n[Install]\nWantedBy=timers.target\n');
    expect((await run('systemctl', ['--root', root, 'enable', 'dermacam-retired.timer'])).code).toBe(0);
    // the links point into /etc of the image, so they are looked at, not followed
    const linked = (wants: string, unit: string) => readdirSync(path.join(units, wants)).includes(unit);
    expect(linked('timers.target.wants', 'dermacam-retired.timer')).toBe(true);
    const update = await run('bash', [script, '--root', root]);
    expect(update).toMatchObject({ code: 0, stdout: '/opt/dermacam is up to date\nremoved dermacam-retired.timer, which this version no longer has\n' });
    expect(existsSync(path.join(units, 'dermacam-retired.timer'))).toBe(false);
    expect(linked('timers.target.wants', 'dermacam-retired.timer')).toBe(false);
    expect(existsSync(path.join(units, 'dermacam.service'))).toBe(true);
    expect(linked('multi-user.target.wants', 'dermacam.service')).toBe(true);
  });

  it('--uninstall removes the service and the app, and keeps the data, the settings and the user', async () => {
    writeFileSync(path.join(root, 'var', 'lib', 'dermacam', 'dermacam.db'), 'the session log');
    const uninstall = await run('bash', [script, '--root', root, '--uninstall']);
    expect(uninstall.code).toBe(0);
    expect(uninstall.stdout).toContain('kept /var/lib/dermacam');
    const units = path.join(root, 'etc', 'systemd', 'system');
    expect(existsSync(path.join(units, 'dermacam.service'))).toBe(false);
    expect(existsSync(path.join(units, 'multi-user.target.wants', 'dermacam.service'))).toBe(false);
    expect(readdirSync(units).filter((name) => name.startsWith('dermacam'))).toEqual([]);
    expect(existsSync(path.join(root, 'opt', 'dermacam'))).toBe(false);
    expect(existsSync(path.join(root, 'usr', 'local', 'bin', 'dermacam'))).toBe(false);
    expect(readFileSync(path.join(root, 'var', 'lib', 'dermacam', 'dermacam.db'), 'utf8')).toBe('the session log');
    expect(existsSync(path.join(root, 'etc', 'dermacam', 'pacs.json'))).toBe(true);
    expect(passwdEntry(root, 'dermacam')).toBeDefined();
  });

  it('--uninstall --purge also deletes the data, the settings and the user', async () => {
    const purge = await run('bash', [script, '--root', root, '--uninstall', '--purge']);
    expect(purge.code).toBe(0);
    expect(existsSync(path.join(root, 'var', 'lib', 'dermacam'))).toBe(false);
    expect(existsSync(path.join(root, 'etc', 'dermacam'))).toBe(false);
    expect(passwdEntry(root, 'dermacam')).toBeUndefined();
    expect(readFileSync(path.join(root, 'etc', 'group'), 'utf8')).not.toMatch(/^dermacam:/m);
    expect(groupMembers(root, 'video')).not.toContain('dermacam');
  });

  it('a mistake ends in one sentence and exit 2, and this machine was never touched', async () => {
    const cases: [string[], RegExp][] = [
      [['--purge'], /^install-pi\.sh: --purge goes with --uninstall\.\n$/],
      [['--bogus'], /^install-pi\.sh: unknown option --bogus \(--help lists them\)\.\n$/],
      [['--root'], /^install-pi\.sh: --root needs a folder\.\n$/],
      [['--root', path.join(work, 'missing')], /^install-pi\.sh: --root \S+ is not a folder\.\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await run('bash', [script, ...args]);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.code).toBe(2);
    }
    rmSync(path.join(checkout, 'dist'), { recursive: true });
    const unbuilt = await run('bash', [script, '--root', root]);
    expect(unbuilt).toMatchObject({ code: 2, stderr: expect.stringMatching(/^install-pi\.sh: there is no build in \S+\/dist: run npm ci && npm run build there first\.\n$/) });
    expect(hostFiles.map(hostFile)).toEqual(hostHashes); // this machine's users were not touched
  });
});
