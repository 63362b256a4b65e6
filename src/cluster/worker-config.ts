import type { Config } from '../config/schema.js';
import type { WorkerPlace } from './process-role.js';

/**
 * The config one worker runs with. `smtp.maxClients` is the machine's budget, so each of the N workers takes its
 * share. `smtp.maxConnectionsPerIp` stays whole in every worker: node:cluster hands connections to the workers in
 * turn, not evenly per client at every instant, so a share would refuse a client that keeps within the limit
 * (measured: 51 of 300 sessions of a 50-session client got 421 with a half share per worker). A client may then
 * hold up to N times the limit on the machine, never more than a worker's share of maxClients in any one worker.
 */
export function workerConfig(config: Config, worker: WorkerPlace | undefined): Config {
  if (worker === undefined || worker.count <= 1) return config;
  return {
    ...config,
    smtp: { ...config.smtp, maxClients: Math.max(1, Math.ceil(config.smtp.maxClients / worker.count)) },
  };
}
