import { defineConfig } from 'vitest/config';

/** Tests that run the built CLI, worker threads, tmux, fswebcam, PyTorch or crash loops: minutes, not seconds. */
const END_TO_END = [
  'test/badInput.test.ts', 'test/camera.test.ts', 'test/cli.test.ts', 'test/classifierWorkers.test.ts', 'test/cliFuzz.test.ts', 'test/crash.test.ts', 'test/dicomExport.test.ts', 'test/doctorPacs.test.ts',
  'test/endToEnd.test.ts', 'test/explain.test.ts', 'test/fuzz.test.ts', 'test/logIntegrity.test.ts', 'test/notALesion.test.ts', 'test/oneAnswer.test.ts', 'test/outbox.test.ts', 'test/pacsConvergence.test.ts',
  'test/repairKill.test.ts', 'test/sessionsCli.test.ts', 'test/specialFiles.test.ts', 'test/train.test.ts', 'test/ui/captureFuzz.test.tsx', 'test/ui/terminal.test.ts', 'test/verifyAttacks.test.ts',
  'test/verifyFuzz.test.ts',
];

export default defineConfig({
  test: {
    // files one at a time: several run the model or the built CLI, and two cores shared by them
    // would make their timings (and time limits) depend on which others happen to run alongside
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.{ts,tsx}'], exclude: END_TO_END } },
      { extends: true, test: { name: 'e2e', include: END_TO_END, globalSetup: ['test/helpers/prerequisites.ts'] } },
    ],
  },
});
