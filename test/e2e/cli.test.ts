import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('the command line', () => {
  it('answers --help, <command> --help and --version without loading TensorFlow.js', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Not a medical device');
    expect(help.stdout).toContain('dermacam doctor [--data-dir <dir>] [--model <dir>] [--verify [--repair]');
    const exportHelp = await runCli(['export', '--help']);
    expect(exportHelp.stdout).toBe('Usage: dermacam export [--session <id> | --all] [--out <file.csv> | --dicom <dir>] [--force] [--data-dir <dir>] [--config <file>]\n');
    const version = await runCli(['--version']);
    expect(version.stdout).toMatch(/^dermacam \d+\.\d+\.\d+\nmodel dermacam-mnv1-075 \d+\.\d+\.\d+ \([0-9a-f]{12}\)\nnode \d+/);
    // TensorFlow.js alone takes more memory than this: it was not loaded
    for (const run of [help, exportHelp, version]) expect(run.peakRssMb).toBeLessThan(120);
  });

  it('suggests the command a typo was meant to be', async () => {
    const typo = await runCli(['clasify', 'x.jpg']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('dermacam: Unknown command "clasify"; did you mean classify? (dermacam --help lists them).\n');
    expect((await runCli(['frobnicate'])).stderr).toBe('dermacam: Unknown command "frobnicate" (dermacam --help lists them).\n');
  });

  it('doctor ends with a verdict, and suggests the demo camera where there is no webcam', async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-doctor-')), 'none');
    const ready = await runCli(['doctor', '--data-dir', dataDir]);
    expect(ready.stdout.trim().split('\n').at(-1)).toMatch(/^Verdict: ready\./);
    if (!/ok\s+camera/.test(ready.stdout)) expect(ready.stdout).toContain('try dermacam --camera demo');
    const broken = await runCli(['doctor', '--data-dir', dataDir, '--model', os.tmpdir()]);
    expect(broken.code).toBe(1);
    expect(broken.stdout.trim().split('\n').at(-1)).toBe('Verdict: NOT READY: fix model (above).');
  });
});
