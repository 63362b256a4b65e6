import type { Config } from '../config/schema.js';
import type { WorkerPlace } from './process-role.js';

/**
 * The config one worker runs with: the connection limits are the machine's, so each of the N workers takes its
 * share (node:cluster hands connections to the workers in turn, so one client's connections spread evenly).
 * Without this a client would get N times `smtp.maxConnectionsPerIp`.
 */
export function workerConfig(config: Config, worker: WorkerPlace | undefined): Config {
  if (worker === undefined || worker.count <= 1) return config;
  const share = (limit: number) => Math.max(1, Math.ceil(limit / worker.count));
  return {
    ...config,
    smtp: {
      ...config.smtp,
      maxClients: share(config.smtp.maxClients),
      maxConnectionsPerIp: share(config.smtp.maxConnectionsPerIp),
    },
  };
}
