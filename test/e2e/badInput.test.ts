import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionOf } from '../../src/capture/verdict.js';
import type { Label } from '../../src/classifier/decision.js';
import { NOT_A_MEDICAL_DEVICE } from '../../src/disclaimer.js';
import { jsonLines, runCli } from '../helpers/cli.js';
import { FIXTURES, REPO } from '../helpers/paths.js';
import { writeTinyModel } from '../helpers/tinyModel.js';

let modelDir: string;
let work: string;
const good = path.join(FIXTURES, 'ISIC_0024323.jpg');

beforeAll(async () => {
  modelDir = await writeTinyModel();
  work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-bad-'));
  writeFileSync(path.join(work, 'empty.jpg'), Buffer.alloc(0));
  writeFileSync(path.join(work, 'text.jpg'), 'this is not a JPEG\n');
  const jpeg = readFileSync(good);
  writeFileSync(path.join(work, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  // 10000 x 6000 = 60 megapixels, above the 50-megapixel limit (a flat PNG is small on disk)
  await sharp({ create: { width: 10000, height: 6000, channels: 3, background: '#884422' } }).png().toFile(path.join(work, 'huge.png'));
  mkdirSync(path.join(work, 'no-images'));
  writeFileSync(path.join(work, 'no-images', 'notes.txt'), 'nothing to see');
  mkdirSync(path.join(work, 'images'));
  copyFileSync(good, path.join(work, 'images', 'a.jpg'));
  copyFileSync(path.join(FIXTURES, 'ISIC_0024358.jpg'), path.join(work, 'images', 'b.jpg'));
});

const classify = (...inputs: string[]) => runCli(['classify', '--json', '--backend', 'cpu', '--model', modelDir, ...inputs]);

describe('classify with bad input', () => {
  it('reports each bad file in one sentence and still classifies the good ones', async () => {
    const bad = ['missing.jpg', 'empty.jpg', 'text.jpg', 'truncated.jpg', 'huge.png', 'no-images'].map((name) => path.join(work, name));
    const result = await classify(good, ...bad, path.join(work, 'images'));
    expect(result.code).toBe(1);
    const lines = jsonLines(result.stdout);
    const byFile = new Map(lines.map((line) => [line.file as string, line]));
    expect(byFile.get(good)).toMatchObject({ label: expect.stringMatching(/^(benign|malignant|uncertain|rejected)$/), backend: 'cpu' });
    expect(byFile.get(path.join(work, 'images', 'a.jpg'))?.p_malignant).toBeTypeOf('number');
    expect(byFile.get(path.join(work, 'images', 'b.jpg'))?.p_malignant).toBeTypeOf('number');
    const errors = Object.fromEntries(bad.map((file) => [path.basename(file), byFile.get(file)?.error as string]));
    expect(errors['missing.jpg']).toBe('the file does not exist.');
    expect(errors['empty.jpg']).toMatch(/empty|not an image/);
    expect(errors['text.jpg']).toMatch(/not an image/);
    expect(errors['truncated.jpg']).toMatch(/truncated or corrupt/);
    expect(errors['huge.png']).toMatch(/larger than the limit/);
    expect(errors['no-images']).toMatch(/contains no images/);
    for (const message of Object.values(errors)) expect(message).not.toMatch(/\n|at .*\.js/);
    expect(result.stderr).not.toMatch(/at .*\.js/);
  });

  it('exits 0 when every file was classified', async () => {
    const result = await classify(path.join(work, 'images'));
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toHaveLength(2);
  });
});

describe('a command line longer than onnxruntime-node can start under', () => {
  // onnxruntime-node's start-up recursed once per character of the command line and crashed the process at about 29 KB
  it('is classified on another backend, with a line saying why onnx was passed over', async () => {
    const missing = Array.from({ length: 600 }, (_, i) => path.join(work, `a-long-name-for-a-picture-that-is-not-there-${i}.jpg`));
    const result = await runCli(['classify', '--json', '--model', path.join(REPO, 'models', 'dermacam-mnv1-025'), good, ...missing]);
    expect(result.stderr).toMatch(/backend auto passed over onnx: the command line is \d+ KB long/);
    expect(result.code).toBe(1);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(601);
    expect(lines[0]).toMatchObject({ file: good, label: expect.any(String) });
  });
});

describe('classify in words', () => {
  it("says of each picture what the app's main screen says, and counts the answers in those words", async () => {
    const inputs = [good, path.join(work, 'images')];
    const json = jsonLines((await classify(...inputs)).stdout);
    const human = await runCli(['classify', '--backend', 'cpu', '--model', modelDir, ...inputs]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(json.length + 3); // the model line, the notice, one per picture, the summary
    expect(lines[1]).toBe(NOT_A_MEDICAL_DEVICE);
    json.forEach((answer, i) => {
      const { headline } = actionOf(answer.label as Label);
      expect(lines[i + 2]!.startsWith(`${answer.file}: ${headline}`), lines[i + 2]).toBe(true);
      expect(lines[i + 2]).not.toMatch(/: (benign|malignant|uncertain|rejected)\b/);
    });
    const count = (label: Label) => json.filter((answer) => answer.label === label).length;
    expect(lines.at(-1)).toBe(
      `Classified 3 of 3 images: ${count('malignant')} REFER, ${count('benign')} no referral, ${count('uncertain')} UNCERTAIN, ${count('rejected')} RETAKE, 0 unreadable (${lines.at(-1)!.match(/\((\d+ s)\)\.$/)?.[1]}).`,
    );
  });
});

describe('a folder without images', () => {
  it('is said in one sentence, with exit code 2, when it is all there is to classify', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'dermacam-empty-'));
    for (const args of [[empty], ['--json', empty], [empty, path.join(work, 'no-images')]]) {
      const result = await runCli(['classify', '--backend', 'cpu', '--model', modelDir, ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(/^dermacam: The folders? .* holds? no images \(\.jpg, \.jpeg, \.png, \.webp files; folders inside it are not searched\)\.$/);
    }
    const one = await runCli(['classify', '--backend', 'cpu', '--model', modelDir, empty]);
    expect([one.code, one.stdout, one.stderr]).toEqual([2, '', `dermacam: The folder ${empty} holds no images (.jpg, .jpeg, .png, .webp files; folders inside it are not searched).\n`]);
  });

  it('beside images is not counted as an image, nor as an unreadable one', async () => {
    const result = await runCli(['classify', '--backend', 'cpu', '--model', modelDir, path.join(work, 'images'), path.join(work, 'no-images')]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/no-images: the folder contains no images/);
    expect(lines.at(-1)).toMatch(/^Classified 2 of 2 images: .*, 0 unreadable; 1 folder without images \(\d+ s\)\.$/);
  });

  it('given to eval as --images is said in one sentence, with exit code 2, before the model loads', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'dermacam-empty-'));
    const csv = path.join(work, 'labels-for-empty.csv');
    writeFileSync(csv, 'file,label\na.jpg,malignant\nb.jpg,benign\n');
    const result = await runCli(['eval', '--labels', csv, '--images', empty, '--json', '--backend', 'cpu', '--model', modelDir]);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(`dermacam: The folder ${empty} holds no images: none of the 2 that ${csv} names is there.\n`);
    const wrong = await runCli(['eval', '--labels', csv, '--images', path.join(work, 'no-images'), '--model', modelDir]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^dermacam: The folder .*no-images holds no images/);
  });
});

describe('eval with a bad labels CSV', () => {
  const evalWith = (csv: string) => {
    const file = path.join(work, `labels-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, csv);
    return runCli(['eval', '--labels', file, '--images', path.join(work, 'images'), '--json', '--backend', 'cpu', '--model', modelDir]);
  };

  it('names a missing column', async () => {
    const result = await evalWith('file,diagnosis\na.jpg,benign\n');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^dermacam: The labels file .* lacks the column label/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names an unknown label and its row', async () => {
    const result = await evalWith('file,label\na.jpg,benign\nb.jpg,maybe\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Row 3 of .* has the label "maybe"; use benign or malignant/);
  });

  it('reports a missing labels file', async () => {
    const result = await runCli(['eval', '--labels', path.join(work, 'nope.csv'), '--model', modelDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist/);
  });

  it('evaluates the readable images and exits non-zero for the unreadable one', async () => {
    const result = await evalWith('file,label\na.jpg,malignant\nb.jpg,benign\ngone.jpg,benign\n');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.n).toBe(2);
    expect(report.errors).toBe(1);
    expect(result.stderr).toMatch(/gone.jpg: cannot classify: the file does not exist/);
  });
});

describe('bad model folders and options', () => {
  it('refuses a model with a missing or corrupt shard in one sentence', async () => {
    const missing = mkdtempSync(path.join(os.tmpdir(), 'dermacam-m-'));
    cpSync(modelDir, missing, { recursive: true });
    rmSync(path.join(missing, 'weights.bin'));
    const corrupt = mkdtempSync(path.join(os.tmpdir(), 'dermacam-m-'));
    cpSync(modelDir, corrupt, { recursive: true });
    const weights = readFileSync(path.join(corrupt, 'weights.bin'));
    weights[7] = weights[7]! ^ 0x55;
    writeFileSync(path.join(corrupt, 'weights.bin'), weights);
    for (const [dir, pattern] of [
      [missing, /weights.bin .* is missing/],
      [corrupt, /do not match the checksum/],
    ] as const) {
      const result = await runCli(['classify', good, '--model', dir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('rejects unknown options, commands and backends', async () => {
    for (const args of [['classify', good, '--bogus'], ['frobnicate'], ['classify', good, '--backend', 'gpu']]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^dermacam: .*\.$/m);
      expect(result.stderr).not.toMatch(/at .*\.js/);
    }
  });
});
