import type { Route } from '../core/types.js';

/** The key parallel sends are counted by: one smarthost, or one recipient domain. */
export function destinationKey(route: Route): string {
  switch (route.kind) {
    case 'smarthost': return `smarthost:${route.name}`;
    case 'direct': return `direct:${route.domain.toLowerCase()}`;
    case 'capture': return 'capture';
    case 'relay': return `relay:${route.key}`;
    case 'gmail': return `gmail:${route.key}`;
    case 'suppressed': return 'suppressed';
  }
}

/** Gives back the slot; calling it twice is harmless. */
export type Release = () => void;

export interface DestinationSlots {
  /** Resolves once fewer than `limit` sends to `key` are running; FIFO per key. */
  acquire(key: string): Promise<Release>;
  /** Sends running now, per key (for tests and health). */
  active(key: string): number;
}

interface Lane {
  active: number;
  readonly waiting: Array<() => void>;
}

/**
 * A counting semaphore per destination. Lanes are dropped when idle, so the map holds only
 * destinations with work (direct delivery sees many domains).
 */
export function createDestinationSlots(limit: number): DestinationSlots {
  const lanes = new Map<string, Lane>();

  function releaser(key: string, lane: Lane): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = lane.waiting.shift();
      if (next) return next(); // the slot passes straight to the next waiter
      lane.active--;
      if (lane.active === 0) lanes.delete(key);
    };
  }

  return {
    acquire(key) {
      let lane = lanes.get(key);
      if (!lane) {
        lane = { active: 0, waiting: [] };
        lanes.set(key, lane);
      }
      const current = lane;
      if (current.active < limit) {
        current.active++;
        return Promise.resolve(releaser(key, current));
      }
      return new Promise((resolve) => current.waiting.push(() => resolve(releaser(key, current))));
    },
    active: (key) => lanes.get(key)?.active ?? 0,
  };
}
