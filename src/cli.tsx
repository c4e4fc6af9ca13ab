#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { classifyCommand } from './commands/classify.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import type { CommandIO } from './commands/io.js';
import { UserError } from './errors.js';

const USAGE = `dermacam: skin-lesion photos classified benign or malignant on this machine.
Not a medical device: research and teaching only; it does not diagnose.

Usage:
  dermacam classify <image|folder>... [--json] [--model <dir>] [--backend auto|node|wasm|cpu]
  dermacam eval --labels <csv> [--images <dir>] [--json] [--model <dir>] [--backend ...]
  dermacam doctor [--data-dir <dir>] [--model <dir>]
`;

type Command = (argv: string[], io: CommandIO) => Promise<number>;
const COMMANDS: Record<string, Command> = { classify: classifyCommand, eval: evalCommand, doctor: doctorCommand };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(USAGE);
    throw new UserError(name === undefined ? 'The terminal UI is not built yet; use one of the commands above.' : `Unknown command "${name}".`);
  }
  tf.enableProdMode(); // no debug checks, and no console banners that would garble --json output
  return command(rest, { tf, stdout: process.stdout, stderr: process.stderr });
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
  process.stderr.write(`dermacam: ${message}\n`);
  if (process.env.DERMACAM_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = code;
}
