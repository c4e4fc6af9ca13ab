import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDataFolder } from '../src/commands/backup.js';
import { CONFIG_FILE } from '../src/outbox/config.js';
import { ANCHOR_FILE } from '../src/store/anchor.js';
import { copyDataFolder } from '../src/store/backup.js';
import { restoreDataFolder } from '../src/store/restore.js';
import { DATABASE_FILE } from '../src/store/sessionLog.js';
import { makeSmallLog } from './helpers/smallLog.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-backup-refusal-'));
const CONFIG = '{"destinations":[]}\n';

function fifoAt(file: string): void {
  rmSync(file, { force: true });
  execFileSync('mkfifo', [file]);
}

describe('a data folder file that cannot be copied', () => {
  it('stops a backup before anything is copied, in a sentence naming the file', async () => {
    const { dir } = await makeSmallLog();
    fifoAt(path.join(dir, CONFIG_FILE));
    const out = path.join(tempDir(), 'stick');
    await expect(copyDataFolder({ from: dir, to: out, verify: verifyDataFolder, record: true })).rejects.toThrow(
      `${path.join(dir, CONFIG_FILE)} cannot be copied: it is not a regular file (a pipe, socket or device); nothing was copied.`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('stops a restore before anything is copied, so that it can be run again once the file is put right', async () => {
    const { dir } = await makeSmallLog();
    writeFileSync(path.join(dir, CONFIG_FILE), CONFIG);
    const backup = path.join(tempDir(), 'backup');
    await copyDataFolder({ from: dir, to: backup, verify: verifyDataFolder });
    expect(readFileSync(path.join(backup, CONFIG_FILE), 'utf8')).toBe(CONFIG);

    fifoAt(path.join(backup, CONFIG_FILE));
    const dataDir = path.join(tempDir(), 'data');
    await expect(restoreDataFolder({ backup, dataDir, verify: verifyDataFolder })).rejects.toThrow(`${path.join(backup, CONFIG_FILE)} cannot be copied`);
    expect(existsSync(path.join(dataDir, DATABASE_FILE))).toBe(false);

    rmSync(path.join(backup, CONFIG_FILE));
    writeFileSync(path.join(backup, CONFIG_FILE), CONFIG);
    expect((await restoreDataFolder({ backup, dataDir, verify: verifyDataFolder })).captures).toBe(4);
    expect(readFileSync(path.join(dataDir, CONFIG_FILE), 'utf8')).toBe(CONFIG);
  });

  it('names the anchor when it is a pipe, and leaves nothing at the backup folder', async () => {
    const { dir } = await makeSmallLog();
    fifoAt(path.join(dir, ANCHOR_FILE));
    const out = path.join(tempDir(), 'stick');
    await expect(copyDataFolder({ from: dir, to: out, verify: verifyDataFolder })).rejects.toThrow(`${path.join(dir, ANCHOR_FILE)} cannot be copied`);
    expect(existsSync(out)).toBe(false);
  });
});
