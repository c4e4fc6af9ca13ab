import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../src/commands/export.js';
import { writeExportFile } from '../src/store/exportFile.js';
import { makeSmallLog } from './helpers/smallLog.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-export-target-'));

function fifoIn(dir: string, name: string): string {
  const fifo = path.join(dir, name);
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

function collected(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const noTf = () => Promise.reject(new Error('not needed'));

describe('an export written where something other than a file is', () => {
  it('leaves a pipe as it is, even with replace (--force, classify --explain)', async () => {
    const fifo = fifoIn(tempDir(), 'out.csv');
    await expect(writeExportFile(fifo, 'a,b\r\n', { replace: true })).rejects.toThrow(`${fifo} is not a regular file (a pipe, socket or device), so it was left as it is; name a file to write.`);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a folder in one sentence', async () => {
    const folder = path.join(tempDir(), 'out.csv');
    mkdirSync(folder);
    await expect(writeExportFile(folder, 'a,b\r\n', { replace: true })).rejects.toThrow(`${folder} is a folder; name a file to write.`);
    expect(statSync(folder).isDirectory()).toBe(true);
  });

  it('still replaces a regular file with replace', async () => {
    const file = path.join(tempDir(), 'out.csv');
    await writeExportFile(file, 'old\r\n');
    await writeExportFile(file, 'new\r\n', { replace: true });
    expect(readFileSync(file, 'utf8')).toBe('new\r\n');
  });

  it('export --out --force refuses a pipe, and names a file with a newline on one line', async () => {
    const { dir } = await makeSmallLog();
    const out = tempDir();
    const fifo = fifoIn(out, 'pipe.csv');
    const stderr = collected();
    await expect(exportCommand(['--all', '--data-dir', dir, '--out', fifo, '--force'], { tf: noTf, stdout: collected().stream, stderr: stderr.stream })).rejects.toThrow(/is not a regular file/);
    expect(statSync(fifo).isFIFO()).toBe(true);

    const odd = path.join(out, 'two\nlines.csv');
    expect(await exportCommand(['--all', '--data-dir', dir, '--out', odd], { tf: noTf, stdout: collected().stream, stderr: stderr.stream })).toBe(0);
    expect(stderr.text()).toContain(`Wrote 4 captures to ${out}/two\\nlines.csv.\n`);
  });
});
