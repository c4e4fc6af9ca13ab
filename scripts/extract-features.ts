/**
 * Fills the feature cache for the whole training data (all sets, all flips). Run several
 * copies at once to use several cores: they share the work through lock files.
 *   tsx scripts/extract-features.ts [--data-dir ../shared/data] [--base <model dir>] [--cache-dir .cache/features]
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { FLIPS } from '../src/classifier/features.js';
import { MOBILENET_INPUT } from '../src/classifier/preprocess.js';
import { selectBackend } from '../src/classifier/backend.js';
import { loadBaseModel } from './lib/base.js';
import { IMAGE_SETS, listImageSet } from './lib/datasets.js';
import { extractMissingFeatures } from './lib/extract.js';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '../shared/data' },
    base: { type: 'string', default: '../shared/models/mobilenet_v1_0.75_224' },
    'cache-dir': { type: 'string', default: '.cache/features' },
    threads: { type: 'string', default: '1' },
    log: { type: 'string', default: 'features.log' },
  },
});

setThreadsCount(Number(args.threads));
await selectBackend(tf, 'wasm');
const base = await loadBaseModel(tf, args.base!);
const jobs = FLIPS.flatMap((flip) => IMAGE_SETS.map((set) => ({ set, flip, images: listImageSet(args['data-dir']!, set) })));
const log = (line: string) => {
  console.log(line);
  appendFileSync(args.log!, `${new Date().toISOString()} ${line}\n`);
};
await extractMissingFeatures(tf, base.model, MOBILENET_INPUT, args['cache-dir']!, base.key, jobs, log);
log(`worker ${process.pid} done`);
