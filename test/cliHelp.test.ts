import { describe, expect, it } from 'vitest';
import { DEFAULT_CAMERA } from '../src/camera/openCamera.js';
import { COMMAND_HELP, commandHelp, overviewHelp, UI_HELP, type CommandHelp } from '../src/commands/help.js';
import { DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR } from '../src/commands/io.js';
import { CLASSIFY_OPTIONS, DOCTOR_OPTIONS, EXPORT_OPTIONS, parseOptions, UI_OPTIONS } from '../src/commands/options.js';

const everyHelp: [string, CommandHelp][] = [['dermacam', UI_HELP], ...Object.entries(COMMAND_HELP)];

/** The `--name`s a usage line mentions. */
const usageOptions = (usage: string) => [...usage.matchAll(/--([a-z-]+)/g)].map((match) => match[1]!).sort();

describe('--help from the option tables', () => {
  it.each(everyHelp)('%s: the table holds exactly the options its usage line names', (_, help) => {
    expect(Object.keys(help.options).sort()).toEqual(usageOptions(help.usage));
  });

  it.each(everyHelp)('%s: the help gives the usage line, then every option with a description and its default', (_, help) => {
    const text = help === UI_HELP ? overviewHelp() : commandHelp(help);
    if (help !== UI_HELP) expect(text.split('\n')[0]).toBe(`Usage: ${help.usage}`);
    else expect(text).toContain(help.usage);
    for (const [name, spec] of Object.entries(help.options)) {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`  --${name}`));
      expect(line, `--${name} has a line of its own`).toBeDefined();
      // a description, not just the name: at least a few words after it
      expect(line!.slice(`  --${name}`.length).trim().split(/\s+/).length).toBeGreaterThan(3);
      const shown = spec.defaultText ?? spec.default;
      // the default on the line under the description
      if (shown !== undefined) expect(text.split('\n').map((candidate) => candidate.trim())).toContain(`default: ${shown}`);
    }
    expect(text).toMatch(/^ {2}-h, --help +this help$/m);
  });

  it('fits the help into 80 columns, the usage lines aside (the contract fixes them)', () => {
    for (const [, help] of everyHelp) {
      const text = help === UI_HELP ? overviewHelp() : commandHelp(help);
      const long = text.split('\n').filter((line) => line.length > 80 && !/^(Usage: | {2}dermacam )/.test(line) && !line.includes('[--'));
      expect(long).toEqual([]);
    }
  });

  it('shows the real defaults: the shipped model, the data folder, the camera the app opens', () => {
    const text = commandHelp(COMMAND_HELP.doctor);
    expect(text).toMatch(/^ {2}--model <dir> +the model folder.*\n {10,}default: the shipped model, models\/dermacam-mnv1-075$/m);
    expect(text).toMatch(new RegExp(`^ {2}--data-dir <dir> +the data folder.*\n {10,}default: ${DEFAULT_DATA_DIR}$`, 'm'));
    expect(text).toMatch(/^ {2}--config <file> .*\n {10,}default: <data-dir>\/dermacam.json$/m);
    // the app parses its own options (ui.tsx); its table must say the default it takes
    expect(UI_OPTIONS.camera.defaultText).toBe(DEFAULT_CAMERA);
  });
});

describe('parseOptions', () => {
  it('gives each option its default, and the flags false', () => {
    const { values, positionals } = parseOptions(CLASSIFY_OPTIONS, ['a.jpg', '--json'], { positionals: true });
    expect(values).toEqual({ json: true, model: DEFAULT_MODEL_DIR, backend: 'auto' });
    expect(positionals).toEqual(['a.jpg']);
    expect(parseOptions(EXPORT_OPTIONS, []).values).toEqual({ all: false, force: false, 'data-dir': DEFAULT_DATA_DIR });
    expect(parseOptions(DOCTOR_OPTIONS, ['--verify', '--head', '3:ab']).values).toMatchObject({ verify: true, repair: false, head: '3:ab' });
  });

  it('refuses an option the table does not hold, and a positional where none is taken', () => {
    expect(() => parseOptions(EXPORT_OPTIONS, ['--bogus'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }));
    expect(() => parseOptions(EXPORT_OPTIONS, ['extra'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' }));
  });
});
