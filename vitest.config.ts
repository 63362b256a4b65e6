import { defineConfig } from 'vitest/config';
import CountReporter from './test/helpers/count-reporter.js';

/**
 * Files that run in a process of their own: those whose LMDB commits fail on purpose (a full tmpfs:
 * after such a failure lmdb's native side can abort the process later, src/store/lmdb-env.ts), and
 * those that drive gateway processes under load and kills (a failed step must not leave its load on
 * the files after it; they spend their time in the children, not in imports).
 */
const OWN_PROCESS = [
  'test/feedback/arf-store-disk-full.test.ts',
  'test/flows/mx/mx-disk-full.test.ts',
  'test/flows/queue/disk-lmdb-env.test.ts',
  'test/flows/queue/disk-restart.test.ts',
  'test/flows/queue/disk-watermark.test.ts',
  'test/flows/queue/gateway-disk-full.test.ts',
  'test/flows/queue/queue-disk-full.test.ts',
  'test/store/blob-store.test.ts',
  'test/store/postgres-stores.test.ts',
  'test/store/storage-errors.test.ts',
  'test/store/tenant-documents.test.ts',
  'test/tenants/microsoft/microsoft-disk-full.test.ts',
  'test/cluster/ipc-shared-counts-processes.test.ts',
  'test/flows/cluster/database-down.test.ts',
  'test/flows/cluster/failover.test.ts',
  'test/flows/cluster/workers-postgres.test.ts',
  'test/flows/cluster/workers.test.ts',
  'test/flows/queue/crash-partial-results.test.ts',
  'test/flows/queue/crash-restart.test.ts',
  'test/flows/queue/gateway-listen-error.test.ts',
  'test/flows/queue/queue-crash.test.ts',
  'test/flows/review/review-kill-restart.test.ts',
  'test/flows/webhooks/webhook-crash.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', new CountReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on sockets, timers and fsync rather than compute: three at a time on two cores
    // halves the run (368 s with vitest's default of cores - 1 = 1 worker, 181 s with 3, when the suite
    // was smaller). Four measured 514 s against 527 s for three: within the noise, and more contention.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: OWN_PROCESS,
          // Files share a process and its loaded modules: a fresh module graph per file cost 450 s
          // of the 1,300 s of CPU a run took. No test mocks a module or leaves a global changed.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'own-process', include: OWN_PROCESS, isolate: true } },
    ],
    // src/ transpiled once for the child processes the tests start (gateways, the CLI): plain node, no tsx.
    globalSetup: ['test/helpers/test-dist.ts'],
  },
});
