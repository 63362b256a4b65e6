import type { Logger } from '../../core/logger.js';
import type { DomainReader } from './domain-store.js';
import { PLATFORM_OWNER, type DomainRecord } from './domain-types.js';

export interface RecheckDeps {
  readonly store: DomainReader;
  readonly check: (tenantId: string, domain: string) => Promise<DomainRecord>;
  readonly everyMs: number;
  /** Bounded work per tick: the longest-unchecked domains first. */
  readonly perTick?: number;
  readonly logger: Logger;
}

export interface Recheck {
  /** One pass now (also what the timer runs); resolves with the number of domains checked. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const DEFAULT_PER_TICK = 200;
const SCAN_LIMIT = 100_000;

/** Tenant domains that sign or used to (active, failing), longest-unchecked first. */
export function dueForRecheck(store: DomainReader, perTick: number): DomainRecord[] {
  return store
    .all(SCAN_LIMIT)
    .filter((r) => r.tenantId !== PLATFORM_OWNER && (r.status === 'active' || r.status === 'failing'))
    .sort((a, b) => (a.lastCheck?.at ?? 0) - (b.lastCheck?.at ?? 0))
    .slice(0, perTick);
}

/**
 * The daily re-check: records that vanished make a domain `failing` (its tenant falls back to
 * forwarding mode), records that came back make it active again. One pass at a time.
 */
export function startRecheck(deps: RecheckDeps): Recheck {
  let running: Promise<number> | null = null;
  const pass = async (): Promise<number> => {
    const due = dueForRecheck(deps.store, deps.perTick ?? DEFAULT_PER_TICK);
    for (const record of due) {
      try {
        await deps.check(record.tenantId, record.domain);
      } catch (err) {
        deps.logger.error({ domain: record.domain, err }, 'domain re-check failed');
      }
    }
    return due.length;
  };
  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  const timer =
    deps.everyMs > 0
      ? setInterval(() => {
          void runOnce();
        }, deps.everyMs)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await running;
    },
  };
}
