import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { exists } from '../regularFile.js';
import type { Check } from '../commands/doctor.js';

/** The unit that runs the app on a Raspberry Pi's screen (deploy/dermacam.service, scripts/install-pi.sh). */
export const SERVICE_UNIT = 'dermacam.service';

/** How a command ended: its exit code and what it printed. */
export interface CommandResult {
  code: number;
  stdout: string;
}

/** What the service check asks of the machine; tests pass their own. */
export interface ServiceProbe {
  /** Runs a command without a shell; undefined when there is no such command here. */
  run(command: string, args: string[]): Promise<CommandResult | undefined>;
  /** Whether systemd runs this machine (as sd_booted() tells: /run/systemd/system is a folder). */
  systemdRunning(): Promise<boolean>;
  /** Whether there is a file or link at a path (a link need not lead anywhere). */
  exists(file: string): Promise<boolean>;
}

/** How long systemctl may take to answer: a hung D-Bus must not hang doctor. */
const SYSTEMCTL_TIMEOUT_MS = 5000;

/** The machine's own: systemctl on PATH, and /run/systemd/system. */
export const systemProbe: ServiceProbe = {
  run: (command, args) =>
    new Promise((resolve) => {
      execFile(command, args, { timeout: SYSTEMCTL_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve(undefined);
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout });
      });
    }),
  systemdRunning: () => stat('/run/systemd/system').then((info) => info.isDirectory(), () => false),
  exists,
};

/** Where systemd looks for unit files, the administrator's first (systemd.unit(5)). */
const UNIT_FOLDERS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

/** The link that `systemctl enable` makes for the unit's WantedBy=multi-user.target. */
const ENABLED_LINK = `/etc/systemd/system/multi-user.target.wants/${SERVICE_UNIT}`;

/** What `systemctl is-enabled` says of a unit, in doctor's words. */
const ENABLED_WORDS: Record<string, string> = {
  enabled: 'enabled',
  'enabled-runtime': 'enabled until the next boot',
  disabled: 'not enabled (it will not start at boot: systemctl enable dermacam)',
  masked: 'masked (it cannot start: systemctl unmask dermacam)',
  'masked-runtime': 'masked until the next boot',
};

/** What `systemctl is-active` says of a unit, in doctor's words. */
const ACTIVE_WORDS: Record<string, string> = {
  active: 'running',
  activating: 'starting (or starting again after the app ended)',
  reloading: 'running',
  deactivating: 'stopping',
  inactive: 'not running (systemctl start dermacam, which takes over tty1)',
  failed: 'failed (journalctl -u dermacam says why; systemctl restart dermacam tries again)',
};

/**
 * doctor's "service" line: whether dermacam is installed as the service that runs it on the screen,
 * enabled at boot, and running. Where there is no systemd, or no such service (a laptop, a server
 * that runs only the headless commands), that is not a failure; a service that systemd gave up on is.
 */
export async function checkService(probe: ServiceProbe = systemProbe): Promise<Check> {
  const check = (status: Check['status'], detail: string): Check => ({ name: 'service', status, detail });
  // is-enabled reads the unit files, so it answers where systemd is installed but not running (a container)
  const enabled = await probe.run('systemctl', ['is-enabled', SERVICE_UNIT]);
  if (!enabled) return check('absent', 'no systemd here, so no service runs the app on the screen');
  // nothing on stdout: no such unit, or systemctl could not ask (a user without the system bus);
  // then the unit files themselves say whether it is installed and enabled
  const enabledState = firstWord(enabled.stdout) || (await enabledFromFiles(probe));
  if (enabledState === 'not-found') return check('absent', `not installed (scripts/install-pi.sh installs ${SERVICE_UNIT}; docs/RASPBERRY-PI.md)`);
  const enabledWords = ENABLED_WORDS[enabledState] ?? enabledState;
  const isEnabled = enabledState === 'enabled' || enabledState === 'enabled-runtime';
  if (!(await probe.systemdRunning())) return check('note', `installed, ${enabledWords}; systemd does not run this machine, so it is not started here`);
  const active = await probe.run('systemctl', ['is-active', SERVICE_UNIT]);
  const activeState = firstWord(active?.stdout ?? '');
  const activeWords = activeState === '' ? 'whether it runs is unknown (systemctl could not tell)' : (ACTIVE_WORDS[activeState] ?? activeState);
  const detail = `installed, ${enabledWords}, ${activeWords}`;
  if (activeState === 'failed') return check('fail', detail);
  return check(isEnabled && activeState === 'active' ? 'ok' : 'note', detail);
}

/** is-enabled's answer read from the unit files: not-found, enabled (the link enable makes) or disabled. */
async function enabledFromFiles(probe: ServiceProbe): Promise<string> {
  const found = await Promise.all(UNIT_FOLDERS.map((folder) => probe.exists(`${folder}/${SERVICE_UNIT}`)));
  if (!found.some(Boolean)) return 'not-found';
  return (await probe.exists(ENABLED_LINK)) ? 'enabled' : 'disabled';
}

const firstWord = (text: string) => text.trim().split(/\s+/)[0] ?? '';
