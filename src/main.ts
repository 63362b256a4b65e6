import cluster from 'node:cluster';
import { pino } from 'pino';
import { loadConfig } from './config/load.js';
import { startGateway } from './gateway.js';
import { isGatewayError } from './core/gateway-error.js';
import { isLmdbCommitFailure } from './store/storage-errors.js';
import { LOG_REDACT_PATHS } from './secrets/log-redact.js';
import { systemClock } from './core/clock.js';
import { workerCount } from './cluster/worker-count.js';
import { runPrimaryProcess } from './cluster/primary-process.js';
import { workerLinkFromEnv } from './cluster/worker-link.js';
import { workerConfig } from './cluster/worker-config.js';

/**
 * `node dist/main.js`: load config (config/postbode.yaml + POSTBODE_* env), start, and stop
 * cleanly on SIGTERM/SIGINT. A bad config stops the start with a message naming the key.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ env: process.env });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(78); // EX_CONFIG
  }
  const worker = workerLinkFromEnv(process.env);
  const base = worker ? { service: 'postbode', worker: worker.index } : { service: 'postbode' };
  const logger = pino({ level: config.log.level, base, redact: LOG_REDACT_PATHS });
  const count = workerCount(config.workers);
  // `workers` above 1: this process only starts and watches the workers (src/cluster/primary.ts).
  if (count > 1 && cluster.isPrimary) return runPrimaryProcess(config, logger, count);
  guardProcess(logger);
  const gateway = await startGateway(workerConfig(config, worker), logger, systemClock, process.env, worker);
  worker?.ready({
    smtpPort: gateway.smtpPort,
    tlsPort: gateway.tlsPort,
    mxPort: gateway.mxPort,
    httpPort: gateway.httpPort,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new connections, finishing transactions in progress');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * lmdb can reject a promise nobody holds when the disk fills (deps.md). Node would exit on
 * it; a storage error must instead become a 452 for new mail while queued mail keeps going,
 * so storage rejections are logged and survived. Anything else is a bug: log and exit.
 */
function guardProcess(logger: pino.Logger): void {
  // src/store/lmdb-env.ts reports a retired LMDB handle as a process warning (it has no logger).
  process.on('warning', (warning) => {
    const code = (warning as NodeJS.ErrnoException).code;
    if (code?.startsWith('POSTBODE_LMDB_'))
      logger.error({ code, reason: warning.message }, 'LMDB handle retired after a failed write (see reason)');
  });
  process.on('unhandledRejection', (reason) => {
    if (isStorageFailure(reason)) {
      logger.error({ err: reason }, 'storage failure outside a request (disk full?); continuing');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(70);
  });
}

function isStorageFailure(reason: unknown): boolean {
  if (isGatewayError(reason, 'E_STORAGE') || isGatewayError(reason, 'E_STORAGE_FULL')) return true;
  if (isLmdbCommitFailure(reason)) {
    // lmdb's real cause travels on a second promise, reason.commitError: mark it handled too
    const cause = (reason as { commitError?: unknown }).commitError;
    if (cause instanceof Promise) cause.catch(() => undefined);
    return true;
  }
  const text =
    reason instanceof Error ? `${reason.message} ${(reason as NodeJS.ErrnoException).code ?? ''}` : String(reason);
  return /ENOSPC|EIO|MDB_MAP_FULL|No space left|Input\/output error/i.test(text);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `postbode failed to start: ${isGatewayError(err) ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
