import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // files one at a time: several run the model or the built CLI, and two cores shared by them
    // would make their timings (and time limits) depend on which others happen to run alongside
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
