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
    expect(exportHelp.code).toBe(0);
    // the contract's usage line first, then every option with what it does and its default
    expect(exportHelp.stdout.split('\n')[0]).toBe('Usage: dermacam export [--session <id> | --all] [--out <file.csv> | --dicom <dir>] [--force] [--data-dir <dir>] [--config <file>]');
    expect(exportHelp.stdout).toMatch(/^ {2}--out <file\.csv> +write the CSV to this file.*\n +default: standard output$/m);
    expect(exportHelp.stdout).toMatch(/^ {2}--data-dir <dir> +the data folder.*\n +default: captures$/m);
    expect(help.stdout).toMatch(/^ {2}--camera <spec> +\/dev\/videoN .*\n +default: \/dev\/video0$/m);
    const version = await runCli(['--version']);
    expect(version.stdout).toMatch(/^dermacam \d+\.\d+\.\d+\nmodel dermacam-mnv1-075 \d+\.\d+\.\d+ \([0-9a-f]{12}\)\nnode \d+/);
    // TensorFlow.js alone takes more memory than this: it was not loaded
    for (const run of [help, exportHelp, version]) expect(run.peakRssMb).toBeLessThan(120);
  });

  it('describes every option of every command on --help, and exits 0', async () => {
    const options = {
      classify: ['json', 'explain', 'model', 'backend'],
      eval: ['labels', 'images', 'json', 'model', 'backend'],
      sessions: ['data-dir'],
      lesions: ['patient', 'data-dir'],
      export: ['session', 'all', 'out', 'dicom', 'force', 'data-dir', 'config'],
      outbox: ['retry', 'config', 'data-dir'],
      doctor: ['data-dir', 'model', 'verify', 'repair', 'head', 'config'],
    };
    for (const [command, names] of Object.entries(options)) {
      // --help wins wherever it stands, over the other arguments too
      const run = await runCli([command, 'x', '--help']);
      expect([command, run.code, run.stderr]).toEqual([command, 0, '']);
      expect(run.stdout).toMatch(new RegExp(`^Usage: dermacam ${command} `));
      for (const name of names) expect(run.stdout, `${command} --${name}`).toMatch(new RegExp(`^ {2}--${name}\\b.* \\w+ \\w+`, 'm'));
    }
  });

  it("the app's options in --help are the ones the app takes", async () => {
    const help = (await runCli(['--help'])).stdout;
    const names = [...help.split('Options of the terminal app')[1]!.matchAll(/^ {2}--([a-z-]+)/gm)].map((match) => match[1]!);
    expect(names).toEqual(['camera', 'model', 'backend', 'data-dir', 'operator', 'config']);
    // without a terminal the app stops after reading its options: a known option gets that far, an unknown one does not
    for (const name of names) expect((await runCli([`--${name}`, 'x'])).stderr, `--${name}`).toMatch(/needs an interactive terminal/);
    expect((await runCli(['--bogus', 'x'])).stderr).toMatch(/Unknown option '--bogus'/);
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
