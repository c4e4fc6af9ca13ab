import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAST_BACKUP_FILE, lastBackup, recordLastBackup } from '../src/store/lastBackup.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-last-backup-'));

describe('lastBackup (the status line reads it)', () => {
  it('gives when and where the last successful backup went, as recordLastBackup wrote it', async () => {
    const dir = tempDir();
    expect(lastBackup(dir)).toBeUndefined();
    const at = new Date('2026-12-07T02:31:12.000Z');
    await recordLastBackup(dir, { at, out: 'stick', captures: 3, head: { seq: 4, hash: 'a'.repeat(64) } });
    expect(lastBackup(dir)).toEqual({ at, out: path.resolve('stick') });
  });

  it('says nothing, rather than throwing, for a record it cannot use', () => {
    const cases: [string, (file: string) => void][] = [
      ['not JSON', (file) => writeFileSync(file, '{')],
      ['no time', (file) => writeFileSync(file, JSON.stringify({ out: '/media/x' }))],
      ['a time that is none', (file) => writeFileSync(file, JSON.stringify({ at: 'yesterday', out: '/media/x' }))],
      ['null', (file) => writeFileSync(file, 'null')],
      ['a folder', (file) => mkdirSync(file)],
      ['a link', (file) => symlinkSync('/etc/hostname', file)],
      ['too large', (file) => writeFileSync(file, `{"at":"2026-12-07T02:31:12Z","out":"${'x'.repeat(70_000)}"}`)],
    ];
    for (const [what, make] of cases) {
      const dir = tempDir();
      make(path.join(dir, LAST_BACKUP_FILE));
      expect(lastBackup(dir), what).toBeUndefined();
    }
    expect(lastBackup(path.join(tempDir(), 'no such folder'))).toBeUndefined();
  });
});
