import { describe, expect, it } from 'vitest';
import { checkService, SERVICE_UNIT, systemProbe, type CommandResult, type ServiceProbe } from '../src/service/serviceStatus.js';

/**
 * A machine whose systemctl answers from a table ("is-enabled" -> result), with no systemctl at all
 * when `systemctl` is undefined, and these files.
 */
function fakeMachine(systemctl: Record<string, CommandResult> | undefined, systemdRunning: boolean, files: string[] = []): ServiceProbe & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (command, args) => {
      calls.push([command, ...args]);
      if (command !== 'systemctl' || !systemctl) return undefined;
      return systemctl[args[0]!] ?? { code: 1, stdout: '' };
    },
    systemdRunning: async () => systemdRunning,
    exists: async (file) => files.includes(file),
  };
}

const UNIT_FILE = '/etc/systemd/system/dermacam.service';
const ENABLED_LINK = '/etc/systemd/system/multi-user.target.wants/dermacam.service';

const said = (stdout: string, code = 0): CommandResult => ({ code, stdout: `${stdout}\n` });

describe('doctor: the service line', () => {
  it('installed, enabled and running on a Pi: ok', async () => {
    const machine = fakeMachine({ 'is-enabled': said('enabled'), 'is-active': said('active') }, true);
    expect(await checkService(machine)).toEqual({ name: 'service', status: 'ok', detail: 'installed, enabled, running' });
    expect(machine.calls).toEqual([
      ['systemctl', 'is-enabled', SERVICE_UNIT],
      ['systemctl', 'is-active', SERVICE_UNIT],
    ]);
  });

  it('no systemd at all (a laptop): absent, not a failure, and nothing else is asked', async () => {
    const machine = fakeMachine(undefined, false);
    expect(await checkService(machine)).toMatchObject({ status: 'absent', detail: expect.stringContaining('no systemd here') });
    expect(machine.calls).toHaveLength(1);
  });

  it('systemd but no dermacam unit: not installed, absent', async () => {
    // systemctl is-enabled of an unknown unit prints nothing on stdout and exits 1 (its complaint is on stderr)
    const machine = fakeMachine({ 'is-enabled': { code: 1, stdout: '' } }, true);
    expect(await checkService(machine)).toMatchObject({ status: 'absent', detail: expect.stringMatching(/^not installed \(scripts\/install-pi\.sh/) });
    expect(machine.calls).toHaveLength(1);
  });

  it('systemctl that cannot ask (a user without the system bus): the unit files say installed and enabled', async () => {
    const silent = { 'is-enabled': { code: 1, stdout: '' }, 'is-active': { code: 1, stdout: '' } };
    expect(await checkService(fakeMachine(silent, true, [UNIT_FILE, ENABLED_LINK]))).toEqual({
      name: 'service',
      status: 'note',
      detail: 'installed, enabled, whether it runs is unknown (systemctl could not tell)',
    });
    expect(await checkService(fakeMachine(silent, true, ['/lib/systemd/system/dermacam.service']))).toMatchObject({
      status: 'note',
      detail: expect.stringMatching(/^installed, not enabled/),
    });
  });

  it('installed in an image or container that systemd does not run: read from the unit files, a note', async () => {
    const machine = fakeMachine({ 'is-enabled': said('enabled') }, false);
    expect(await checkService(machine)).toEqual({
      name: 'service',
      status: 'note',
      detail: 'installed, enabled; systemd does not run this machine, so it is not started here',
    });
    expect(machine.calls.map((call) => call[1])).toEqual(['is-enabled']);
  });

  it('installed but not enabled, or stopped: a note that says what to do', async () => {
    expect(await checkService(fakeMachine({ 'is-enabled': said('disabled', 1), 'is-active': said('active') }, true))).toMatchObject({
      status: 'note',
      detail: 'installed, not enabled (it will not start at boot: systemctl enable dermacam), running',
    });
    expect(await checkService(fakeMachine({ 'is-enabled': said('enabled'), 'is-active': said('inactive', 3) }, true))).toMatchObject({
      status: 'note',
      detail: expect.stringMatching(/^installed, enabled, not running \(systemctl start dermacam/),
    });
  });

  it('between two runs of the app (q, or a crash): starting, a note', async () => {
    const machine = fakeMachine({ 'is-enabled': said('enabled'), 'is-active': said('activating', 3) }, true);
    expect(await checkService(machine)).toMatchObject({ status: 'note', detail: 'installed, enabled, starting (or starting again after the app ended)' });
  });

  it('failed: a failure, with where to read why', async () => {
    const machine = fakeMachine({ 'is-enabled': said('enabled'), 'is-active': said('failed', 3) }, true);
    expect(await checkService(machine)).toMatchObject({ status: 'fail', detail: expect.stringContaining('failed (journalctl -u dermacam') });
  });

  it('a state it does not know is said as systemctl says it', async () => {
    const machine = fakeMachine({ 'is-enabled': said('linked'), 'is-active': said('maintenance', 3) }, true);
    expect(await checkService(machine)).toEqual({ name: 'service', status: 'note', detail: 'installed, linked, maintenance' });
  });

  it("the machine's own probe: a missing command is undefined, a failing one its exit code", async () => {
    expect(await systemProbe.run('dermacam-no-such-command', [])).toBeUndefined();
    expect(await systemProbe.run('sh', ['-c', 'echo inactive; exit 3'])).toEqual({ code: 3, stdout: 'inactive\n' });
    expect(typeof (await systemProbe.systemdRunning())).toBe('boolean');
    expect(await systemProbe.exists('/')).toBe(true);
    expect(await systemProbe.exists('/dermacam-no-such-file')).toBe(false);
  });
});
