/** The command-line options that the training pipeline and the ablation share: where things are, and how to run. */
export const SHARED_TRAINING_OPTIONS = {
  threads: { type: 'string', default: '2' },
  seed: { type: 'string', default: '20261127' },
  'data-dir': { type: 'string', default: '../shared/data' },
  'models-dir': { type: 'string', default: '../shared/models' },
  'cache-dir': { type: 'string', default: '.cache/pixels' },
  'runs-dir': { type: 'string', default: '.cache/runs' },
} as const;
