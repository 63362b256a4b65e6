import { GatewayError } from './gateway-error.js';
import type { Route, Transport } from './types.js';

export type RouteKind = Route['kind'];

/**
 * Which transport sends each route kind. The composition root fills it before delivery starts:
 * every folder that serves a route kind (the platform's transports, the suppression list's
 * `suppressed`) registers its transport for that kind; nothing wraps another.
 */
export interface TransportRegistry {
  register(kind: RouteKind, transport: Transport): void;
  transportFor(route: Route): Transport;
  /** Every transport once (to close them at stop). */
  all(): Transport[];
}

export function createTransportRegistry(): TransportRegistry {
  const byKind = new Map<RouteKind, Transport>();
  return {
    register(kind, transport) {
      if (byKind.has(kind)) throw new GatewayError('E_CONFIG', `a transport for route ${kind} is registered twice`);
      byKind.set(kind, transport);
    },
    transportFor(route) {
      const registered = byKind.get(route.kind);
      if (registered) return registered;
      throw new GatewayError('E_TRANSPORT', `no transport configured for route ${route.kind}`);
    },
    all: () => [...new Set(byKind.values())],
  };
}
