import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../helpers/cli.js';
import { hostileImages } from '../helpers/hostileImages.js';
import { writeTinyModel } from '../helpers/tinyModel.js';

let dir: string;
let modelDir: string;
const cases: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-fuzz-'));
  modelDir = await writeTinyModel();
  for (const { name, bytes } of await hostileImages()) {
    writeFileSync(path.join(dir, name), bytes);
    cases.push(name);
  }
});

describe('hostile images through classify', () => {
  it('ends every case in a result or a one-sentence refusal, within a time limit and bounded memory', async () => {
    const started = Date.now();
    const result = await runCli(['classify', '--json', '--backend', 'cpu', '--model', modelDir, ...cases.map((name) => path.join(dir, name))], { timeoutMs: 120_000 });
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(cases.length);
    for (const line of lines) {
      if ('error' in line) expect(line.error).toMatch(/^[a-z].*\.$/);
      else expect(line.p_malignant).toBeTypeOf('number');
    }
    expect(result.stderr).not.toMatch(/at .*\.js|Error:/);
    expect([0, 1]).toContain(result.code);
    const byName = new Map(lines.map((line) => [path.basename(line.file as string), line]));
    for (const ok of ['one-pixel.png', 'sixteen-bit.png', 'grayscale.jpg', 'cmyk.jpg', 'still.gif', 'animated.webp']) expect(byName.get(ok), ok).toHaveProperty('p_malignant');
    expect(byName.get('claims-20000x20000.png')?.error).toMatch(/larger than the limit/);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(result.peakRssMb).toBeGreaterThan(0);
    expect(result.peakRssMb).toBeLessThan(1024); // the 20000x20000 header is refused before decoding
    console.log(
      `fuzz: ${cases.length} hostile images, ${lines.filter((l) => 'error' in l).length} refused, ${lines.filter((l) => !('error' in l)).length} classified, ${Date.now() - started} ms, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
    );
  });
});
