import { defineConfig } from 'vitest/config';
import CountReporter from './test/helpers/count-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', new CountReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
