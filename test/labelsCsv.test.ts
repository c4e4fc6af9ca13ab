import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelsCsv } from '../src/commands/labelsCsv.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-labels-'));

describe('the eval labels file', () => {
  it('is read when it is a labels CSV', async () => {
    const file = path.join(tempDir(), 'labels.csv');
    writeFileSync(file, 'file,label\na.jpg,benign\nb.jpg,malignant\n');
    expect(await readLabelsCsv(file)).toEqual([
      { file: path.join(path.dirname(file), 'a.jpg'), malignant: false },
      { file: path.join(path.dirname(file), 'b.jpg'), malignant: true },
    ]);
  });

  it('is refused at once, in one sentence, when it is a pipe (no hang)', async () => {
    const fifo = path.join(tempDir(), 'labels.csv');
    execFileSync('mkfifo', [fifo]);
    await expect(readLabelsCsv(fifo)).rejects.toThrow(`The labels file ${fifo} cannot be read: it is not a regular file (a pipe, socket or device).`);
  });

  it('is refused above 64 MB instead of being read whole', async () => {
    const big = path.join(tempDir(), 'labels.csv');
    writeFileSync(big, '');
    truncateSync(big, 65 * 1024 * 1024); // sparse: nothing is written
    await expect(readLabelsCsv(big)).rejects.toThrow(`The labels file ${big} cannot be read: the file is larger than the limit of 64 MB.`);
  });

  it('says when it is missing', async () => {
    const missing = path.join(tempDir(), 'nowhere.csv');
    await expect(readLabelsCsv(missing)).rejects.toThrow(`The labels file ${missing} cannot be read: the file does not exist.`);
  });
});
