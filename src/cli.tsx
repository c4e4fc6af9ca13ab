#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node
// MALLOC_ARENA_MAX=2: glibc otherwise keeps a malloc arena per thread (libvips, ONNX Runtime and libuv run many),
// which cost the app about 50 MB of its 300; a fixed MALLOC_MMAP_THRESHOLD_ keeps picture-sized buffers in their own
// mappings, given back when freed, instead of fragmenting the heap: about 20 MB less (docs/BENCHMARKS.md, "Memory.")
import type * as TF from '@tensorflow/tfjs';
import { appVersion } from './appVersion.js';
import { COMMAND_HELP, commandHelp, overviewHelp, type CommandName } from './commands/help.js';
import type { CommandIO } from './commands/io.js';
import { UserError } from './errors.js';
import { escapeControlCharacters } from './text.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** Each command's code, imported only when the command runs: TensorFlow.js alone takes seconds to load. */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  classify: async () => (await import('./commands/classify.js')).classifyCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  sessions: async () => (await import('./commands/sessions.js')).sessionsCommand,
  lesions: async () => (await import('./commands/lesions.js')).lesionsCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  outbox: async () => (await import('./commands/outbox.js')).outboxCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  backup: async () => (await import('./commands/backup.js')).backupCommand,
  restore: async () => (await import('./commands/restore.js')).restoreCommand,
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name.startsWith('-')) {
    if (argv.some(isHelp)) return say(overviewHelp());
    if (argv.includes('--version')) return say(await versions());
    return run((await import('./commands/ui.js')).uiCommand, argv);
  }
  if (name === 'help') return say(overviewHelp());
  if (!isCommand(name)) {
    const near = closestCommand(name);
    throw new UserError(`Unknown command "${name}"${near ? `; did you mean ${near}?` : ''} (dermacam --help lists them).`);
  }
  if (rest.some(isHelp)) return say(commandHelp(COMMAND_HELP[name]));
  return run(await COMMANDS[name](), rest);
}

function run(command: Command, argv: string[]): Promise<number> {
  let tf: Promise<typeof TF> | undefined;
  const loadTf = () =>
    (tf ??= import('@tensorflow/tfjs').then((module) => {
      module.enableProdMode(); // no debug checks, and no console banners that would garble --json output or the UI
      return module;
    }));
  return command(argv, { tf: loadTf, stdout: process.stdout, stderr: process.stderr });
}

function say(text: string): number {
  process.stdout.write(text);
  return 0;
}

async function versions(): Promise<string> {
  const [{ readModelCard }, { DEFAULT_MODEL_DIR }] = await Promise.all([import('./classifier/modelCard.js'), import('./commands/io.js')]);
  const card = await readModelCard(DEFAULT_MODEL_DIR).catch(() => undefined);
  const model = card ? `${card.name} ${card.version} (${card.weights_sha256.slice(0, 12)})` : 'not found';
  return `dermacam ${await appVersion()}\nmodel ${model}\nnode ${process.versions.node}\n`;
}

/** The command a mistyped name was most likely meant to be, if one is within two edits. */
function closestCommand(name: string): string | undefined {
  const scored = Object.keys(COMMANDS).map((command) => ({ command, distance: editDistance(name, command) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0]!;
  return best.distance <= 2 ? best.command : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Turns any failure into one sentence on stderr and a non-zero exit; never a stack trace. */
function explain(error: unknown): { message: string; code: number } {
  if (error instanceof UserError) return { message: error.message, code: 2 };
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { message: `${(error as Error).message.split('. ')[0]}; see dermacam --help.`, code: 2 };
  if (code === 'ENOSPC') return { message: 'The disk is full; free some space and try again.', code: 3 };
  return { message: `Unexpected error: ${(error as Error).message ?? String(error)}`, code: 70 };
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const { message, code } = explain(error);
  process.stderr.write(`dermacam: ${escapeControlCharacters(message)}\n`);
  if (process.env.DERMACAM_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = code;
}
