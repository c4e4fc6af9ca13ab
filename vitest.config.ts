import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // files one at a time: several run the model or the built CLI, and two cores shared by them
    // would make their timings (and time limits) depend on which others happen to run alongside
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      // test/e2e/: tests that run the built CLI, worker threads, tmux, fswebcam, PyTorch or crash loops: minutes, not seconds
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.{ts,tsx}'], exclude: ['test/e2e/**'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.{ts,tsx}'], globalSetup: ['test/helpers/prerequisites.ts'] } },
    ],
  },
});
