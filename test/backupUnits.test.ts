import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.js';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const unit = (name: string) => readFileSync(path.join(REPO, 'deploy', name), 'utf8');
/** A unit file's `Key=value` lines of one key. */
const values = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1]!);

describe('deploy/dermacam-backup.service and .timer', () => {
  it('pass systemd-analyze verify with no warning (a copy whose ExecStart runs /usr/bin/true, as /usr/bin/node may be absent)', async ({ skip }) => {
    if (!existsSync(SYSTEMD_ANALYZE)) skip('systemd-analyze is not installed');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-units-'));
    // verify checks that ExecStart's program exists; the command's own arguments are checked below
    writeFileSync(path.join(dir, 'dermacam-backup.service'), unit('dermacam-backup.service').replace(/^ExecStart=\/usr\/bin\/node /m, 'ExecStart=/usr/bin/true '));
    writeFileSync(path.join(dir, 'dermacam-backup.timer'), unit('dermacam-backup.timer'));
    const files = ['dermacam-backup.service', 'dermacam-backup.timer'].map((name) => path.join(dir, name));
    const { stdout, stderr } = await promisify(execFile)(SYSTEMD_ANALYZE, ['verify', ...files]);
    expect(`${stdout}${stderr}`).toBe('');
  });

  it('back up the app\'s data folder onto the stick as the app\'s user, once a night and at the next boot, skipped without the stick', () => {
    const service = unit('dermacam-backup.service');
    expect(values(service, 'ExecStart')).toEqual(['/usr/bin/node /opt/dermacam/dist/cli.js backup --out /media/dermacam-backup --data-dir /var/lib/dermacam']);
    expect(values(service, 'Type')).toEqual(['oneshot']);
    expect(values(service, 'User')).toEqual(['dermacam']);
    expect(values(service, 'ConditionPathIsMountPoint')).toEqual(['/media/dermacam-backup']);
    expect(values(service, 'ReadWritePaths')).toEqual(['/media/dermacam-backup']);
    expect(values(service, 'StateDirectory')).toEqual(['dermacam']); // /var/lib/dermacam, for last-backup.json
    const timer = unit('dermacam-backup.timer');
    expect(values(timer, 'OnCalendar')).toHaveLength(1);
    expect(values(timer, 'Persistent')).toEqual(['true']);
    expect(values(timer, 'Unit')).toEqual(['dermacam-backup.service']);
    expect(values(timer, 'WantedBy')).toEqual(['timers.target']);
  });
});
