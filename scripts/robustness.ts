/**
 * The shortcut and robustness suite on any model folder (docs/TRAINING.md):
 *   npm run robustness -- --model models/dermacam-mnv1-075 [--sets ham-val,isic-val] [--limit N] [--only <text>] [--json <file>]
 * Val sets only by default: the test split is read once, by the training pipeline. `--sets
 * fixtures` takes the 14 full-size fixtures, to see the camera transforms at a webcam's size.
 */
import { writeFileSync } from 'node:fs';
import { parseScriptArgs } from './lib/scriptArgs.js';
import { loadClassifier } from '../src/classifier/classifier.js';
import { parseBackend } from '../src/commands/io.js';
import { UserError } from '../src/errors.js';
import { IMAGE_SETS, listFixtures, listImageSet, type ImageSet } from './lib/datasets.js';
import { TRANSFORMS } from './lib/lesionTransforms.js';
import { classifierJudge, robustnessTable, runRobustness } from './lib/robustness.js';
import { limitedSample } from './lib/sample.js';

const { values: args } = parseScriptArgs({
  options: {
    model: { type: 'string', default: 'models/dermacam-mnv1-075' },
    backend: { type: 'string', default: 'auto' },
    sets: { type: 'string', default: 'ham-val,isic-val' },
    limit: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'string' },
    seed: { type: 'string', default: '20261127' },
    'data-dir': { type: 'string', default: '../shared/data' },
  },
});

try {
  const seed = Number(args.seed);
  const transforms = TRANSFORMS.filter((t) => !args.only || t.name.includes(args.only));
  if (transforms.length === 0) throw new UserError(`No transform's name contains "${args.only}".`);
  const sets = args.sets!.split(',').map((name) => {
    if (name !== 'fixtures' && !IMAGE_SETS.includes(name as ImageSet)) throw new UserError(`Unknown set "${name}"; choose from fixtures, ${IMAGE_SETS.join(', ')}.`);
    const images = name === 'fixtures' ? listFixtures(args['data-dir']!) : listImageSet(args['data-dir']!, name as ImageSet);
    return { name, images: args.limit ? limitedSample(images, Number(args.limit), seed) : images };
  });
  const classifier = await loadClassifier({ tf: () => import('@tensorflow/tfjs'), modelDir: args.model!, backend: parseBackend(args.backend) });
  const report = await runRobustness(classifierJudge(classifier), classifier.threshold, sets, transforms, seed);
  classifier.dispose();
  console.log(`${classifier.modelId} on ${classifier.backend}\n`);
  console.log(robustnessTable(report));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
