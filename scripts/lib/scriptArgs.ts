import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * `parseArgs` for the development scripts: an unknown or malformed option ends the script with
 * one sentence and exit code 2, pointing at the usage in the script's opening comment, instead
 * of a stack trace.
 */
export function parseScriptArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    const script = path.relative(process.cwd(), process.argv[1] ?? 'the script');
    process.stderr.write(`${(error as Error).message.split('. ')[0]}; the usage is at the top of ${script}.\n`);
    process.exit(2);
  }
}
