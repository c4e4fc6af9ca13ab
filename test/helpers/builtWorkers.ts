import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startClassifierWorkers } from '../../src/classifier/workerClient.js';
import { REPO } from './paths.js';

/** Classifier worker threads running the built worker (dist/worker.js), as in the app; `npm test` builds first. */
export const startBuiltWorkers = (setup: Parameters<typeof startClassifierWorkers>[0], count: number) =>
  startClassifierWorkers(setup, count, pathToFileURL(path.join(REPO, 'dist', 'worker.js')));
