import { GatewayError } from './gateway-error.js';
import type { Route, Transport } from './types.js';

export type RouteKind = Route['kind'];

/** A table that picks a transport per route (the platform's: smarthost, direct MX, capture, own server, Gmail). */
export interface TransportTable {
  (route: Route): Transport;
  all(): Transport[];
}

/**
 * Which transport sends each route kind. The composition root fills it before delivery starts:
 * a folder that adds a route kind (the suppression list's `suppressed`) registers its transport
 * here instead of wrapping the transport table; the platform's table answers the other kinds.
 */
export interface TransportRegistry {
  register(kind: RouteKind, transport: Transport): void;
  /** The table asked for every kind nobody registered. */
  registerDefault(table: TransportTable): void;
  transportFor(route: Route): Transport;
  /** Every transport once (to close them at stop). */
  all(): Transport[];
}

export function createTransportRegistry(): TransportRegistry {
  const byKind = new Map<RouteKind, Transport>();
  let fallback: TransportTable | undefined;
  return {
    register(kind, transport) {
      if (byKind.has(kind)) throw new GatewayError('E_CONFIG', `a transport for route ${kind} is registered twice`);
      byKind.set(kind, transport);
    },
    registerDefault(table) {
      fallback = table;
    },
    transportFor(route) {
      const registered = byKind.get(route.kind);
      if (registered) return registered;
      if (fallback) return fallback(route);
      throw new GatewayError('E_TRANSPORT', `no transport configured for route ${route.kind}`);
    },
    all: () => [...new Set([...byKind.values(), ...(fallback?.all() ?? [])])],
  };
}
