import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { PACKAGE_ROOT } from '../appVersion.js';
import { BACKEND_REQUESTS, type BackendRequest } from '../classifier/backend.js';
import { UserError } from '../errors.js';
import { escapeControlCharacters } from '../text.js';

/** What a command needs from the outside world, passed in so that tests can supply their own. */
export interface CommandIO {
  /** TensorFlow.js, loaded on first use: it takes seconds, which commands that do not need it should not pay. */
  tf: () => Promise<typeof TF>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The shipped model, found next to the installed package rather than the working directory. */
export const DEFAULT_MODEL_DIR = path.join(PACKAGE_ROOT, 'models', 'dermacam-mnv1-075');

export const DEFAULT_DATA_DIR = 'captures';

export function parseBackend(value: string | undefined): BackendRequest {
  const request = (value ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new UserError(`Unknown backend "${value}"; choose one of ${BACKEND_REQUESTS.join(', ')}.`);
  }
  return request;
}

/** Writes text and a newline; control characters other than its line breaks are shown as escapes. */
export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text.split('\n').map(escapeControlCharacters).join('\n')}\n`);
}
