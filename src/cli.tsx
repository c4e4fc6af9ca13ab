#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { classifyCommand } from './commands/classify.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { sessionsCommand } from './commands/sessions.js';
import { uiCommand } from './commands/ui.js';
import type { CommandIO } from './commands/io.js';
import { escapeControlCharacters, UserError } from './errors.js';

const USAGE = `dermacam: skin-lesion photos classified benign or malignant on this machine.
Not a medical device: research and teaching only; it does not diagnose.

Usage:
  dermacam [--camera /dev/videoN|file:<image>|dir:<folder>|demo] [--model <dir>] [--backend ...]
           [--data-dir <dir>] [--operator <name>]          the terminal UI (default camera /dev/video0)
  dermacam classify <image|folder>... [--json] [--model <dir>] [--backend auto|node|wasm|cpu]
  dermacam eval --labels <csv> [--images <dir>] [--json] [--model <dir>] [--backend ...]
  dermacam sessions [--data-dir <dir>]
  dermacam export [--session <id> | --all] [--out <file.csv>] [--force] [--data-dir <dir>]
  dermacam doctor [--data-dir <dir>] [--model <dir>] [--verify [--repair] [--head <entry>:<sha256>]]
`;

type Command = (argv: string[], io: CommandIO) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  classify: classifyCommand,
  eval: evalCommand,
  sessions: sessionsCommand,
  export: exportCommand,
  doctor: doctorCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const io = { tf, stdout: process.stdout, stderr: process.stderr };
  tf.enableProdMode(); // no debug checks, and no console banners that would garble --json output or the UI
  if (name === undefined || name.startsWith('-')) return uiCommand(argv, io);
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(USAGE);
    throw new UserError(`Unknown command "${name}".`);
  }
  return command(rest, io);
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
