import { defineConfig } from 'vitest/config';
import CountReporter from './test/helpers/count-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', new CountReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on sockets, timers and fsync rather than compute: three at a time on two cores
    // halves the run (368 s with vitest's default of cores - 1 = 1 worker, 181 s with 3).
    maxWorkers: 3,
  },
});
