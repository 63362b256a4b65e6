import type { Config } from '../config/schema.js';

/** Where this process stands among the worker processes of one machine (`workers`, docs/scaling.md). */
export interface WorkerPlace {
  /** 0 … count-1, kept across restarts: worker 0 is the leader. */
  readonly index: number;
  readonly count: number;
}

/** What one process of the gateway runs. A lone process (no workers) runs everything. */
export interface ProcessRole {
  /** Delivers from the queue and keeps the attempt leases. */
  readonly delivers: boolean;
  /** Serves the HTTP API and the inbound MX. */
  readonly serves: boolean;
  /** Runs the periodic jobs: webhook sending, bounce-alert digests, review expiry, purges, DNS re-checks. */
  readonly runsJobs: boolean;
  /** Tells the delivering process about the messages it queued (workers on one LMDB environment). */
  readonly announces: boolean;
}

/**
 * On PostgreSQL every worker is a node of the cluster: it receives, delivers and serves like any other node,
 * and only the periodic jobs stay with worker 0 (one process per machine is enough; several machines share them
 * through the database's locks and claims). On LMDB the queue's
 * delivery state (what is due, the attempt leases, the counters) lives in the delivering process, so worker 0
 * delivers, serves the API and the MX and runs the jobs; the other workers receive SMTP submissions, run the
 * pipeline (parse, render, sign) and queue, and tell worker 0 what they queued.
 */
export function processRole(config: Config, worker: WorkerPlace | undefined): ProcessRole {
  const leader = worker === undefined || worker.index === 0;
  const shared = config.store.backend === 'postgres';
  return {
    delivers: leader || shared,
    serves: leader || shared,
    runsJobs: leader,
    announces: !leader && !shared,
  };
}
