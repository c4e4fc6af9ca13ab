import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionLog } from '../../src/store/sessionLog.js';
import { CLI, FIXTURES } from '../helpers/paths.js';
import { tmuxSession } from '../helpers/tmuxSession.js';
import { eventually } from '../ui/helpers.js';

const session = `dermacam-e2e-${process.pid}`;
const { tmux, screen, running, kill } = tmuxSession(session);

/** The ids of the running processes called `name` whose command line contains `text`. */
const processesNamed = (name: string, text: string) =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // ended meanwhile
      }
    });

afterAll(kill);

describe('the terminal UI in a real terminal (tmux)', () => {
  it('captures, classifies, logs, exports and quits cleanly', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-tmux-'));
    // Ink draws only the last frame when it sees CI set, as it is in CI: the app must not see it
    const command = ['env', '-u', 'CI', process.execPath, CLI, '--camera', `dir:${FIXTURES}`, '--data-dir', dataDir, '--operator', 'e2e'].map((arg) => `'${arg}'`).join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command);

    await eventually(() => expect(screen()).toContain('Press space to capture'), 60_000);
    expect(screen()).toContain('Not a medical device');
    tmux('send-keys', '-t', session, 'Space');
    await eventually(() => expect(screen()).toMatch(/REFER to a clinician|NO REFERRAL SUGGESTED|UNCERTAIN|RETAKE/), 60_000);
    expect(screen()).toMatch(/p\(malignant\) \d+\.\d%|why: /); // the first fixture is one the "not a lesion" check refuses
    tmux('send-keys', '-t', session, 'e');
    await eventually(() => expect(screen()).toContain('Exported to'), 10_000);
    tmux('send-keys', '-t', session, 'q');
    await eventually(() => expect(running()).toBe(false), 10_000);

    const log = await SessionLog.open(dataDir);
    const captures = log.captures();
    await log.close();
    expect(captures).toHaveLength(1);
    const capture = captures[0]!;
    expect(capture.label).toMatch(/^(benign|malignant|uncertain|rejected)$/);
    const image = readFileSync(path.join(dataDir, capture.image_path));
    expect(createHash('sha256').update(image).digest('hex')).toBe(capture.image_sha256);
    expect(image.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG
    const [csvName] = readdirSync(dataDir).filter((name) => name.endsWith('.csv'));
    const rows = parse(readFileSync(path.join(dataDir, csvName!), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ capture_id: capture.id, operator: 'e2e', label: capture.label, image_sha256: capture.image_sha256 });
  });

  it('shrunk after a capture, draws the result again at the new size, with no preview left over it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-resize-'));
    const command = ['env', '-u', 'CI', process.execPath, CLI, '--camera', `dir:${FIXTURES}`, '--data-dir', dataDir, '--operator', 'e2e'].map((arg) => `'${arg}'`).join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);
    await eventually(() => expect(screen()).toContain('Press space to capture'), 60_000);
    tmux('send-keys', '-t', session, 'Space');
    await eventually(() => expect(screen()).toMatch(/REFER to a clinician|NO REFERRAL SUGGESTED|UNCERTAIN|RETAKE/), 60_000);
    tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    await eventually(() => expect(screen().split('\n')[5]!.slice(0, 60)).toMatch(/^▄{60}$/), 10_000); // the preview at its wider size
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    await eventually(() => {
      const rows = screen().split('\n');
      expect(rows[3]).toMatch(/^▄{36} {2}(REFER to a clinician|NO REFERRAL SUGGESTED|UNCERTAIN|RETAKE)/); // the headline, beside the preview
      for (const row of rows.slice(3, 20)) expect(row.slice(36)).not.toContain('▄'); // nothing of the old preview over the result
    }, 10_000);
    tmux('kill-session', '-t', session);
  });

  it('ends cleanly when its terminal hangs up, while the model loads and after', async () => {
    for (const when of [/model loading/, /Press space to capture/]) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-hangup-'));
      const errors = path.join(dataDir, 'stderr');
      const app = ['env', '-u', 'CI', process.execPath, CLI, '--camera', 'demo', '--data-dir', dataDir, '--operator', 'e2e'].map((arg) => `'${arg}'`).join(' ');
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${app} 2> '${errors}'`);
      await eventually(() => expect(screen()).toMatch(when), 60_000);
      const [pid] = processesNamed('node', dataDir);
      tmux('kill-session', '-t', session); // what a dropped SSH connection does: SIGHUP to the app
      await eventually(() => expect(processesNamed('node', dataDir)).not.toContain(pid), 20_000);
      expect(readFileSync(errors, 'utf8')).not.toMatch(/[A-Za-z]/); // no abort or error, at most the cursor shown again
    }
  });

  it('on a disk that fills up, says so in a sentence, stays up, and gives the terminal back on q', async ({ skip }) => {
    const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'dermacam-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'none', mountPoint], { stdio: 'ignore' });
    } catch {
      skip('mounting a small tmpfs needs root');
    }
    try {
      const dataDir = path.join(mountPoint, 'captures');
      const app = ['env', '-u', 'CI', process.execPath, CLI, '--camera', `dir:${FIXTURES}`, '--data-dir', dataDir, '--operator', 'e2e'].map((arg) => `'${arg}'`).join(' ');
      // a shell around the app, so that the screen after it ends can be read
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${app}; echo "app exited $?"; sleep 60`);
      await eventually(() => expect(screen()).toContain('Press space to capture'), 60_000);
      execFileSync('sh', ['-c', `cat /dev/zero > '${path.join(mountPoint, 'filler')}' 2>/dev/null; true`]);
      tmux('send-keys', '-t', session, 'Space'); // the first capture starts the session: no room for it
      await eventually(() => expect(screen().replace(/\s+/g, ' ')).toContain('The new session was not saved: the disk is full.'), 60_000);
      tmux('send-keys', '-t', session, 'h'); // still up, and answering keys
      await eventually(() => expect(screen()).toContain('No sessions yet'), 10_000);
      tmux('send-keys', '-t', session, 'h'); // closes it (Esc right before q would read as Alt+q)
      await eventually(() => expect(screen()).not.toContain('No sessions yet'), 10_000);
      tmux('send-keys', '-t', session, 'q');
      await eventually(() => expect(screen()).toContain('app exited 0'), 10_000);
      expect(screen()).not.toContain('Not a medical device'); // back on the normal screen, the app's screen gone
      expect(screen()).not.toMatch(/Error|at .*\.js:\d+/);
    } finally {
      if (running()) tmux('kill-session', '-t', session);
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' }); // lazily: the app may still be closing its files
    }
  });
});
