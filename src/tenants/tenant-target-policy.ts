import { literalAddress, type TargetGuard } from '../transports/egress/target-guard.js';

/**
 * What a tenant may save as its own SMTP server: a port from the operator's list, and, when the
 * host is an address literal, an address the guard allows. A name is checked when connecting,
 * as what it resolves to can change after it was saved.
 */
export interface TenantTargetPolicy {
  /** Why `port` is refused, or undefined. */
  portRefusal(port: number): string | undefined;
  /** Why `host` is refused when it is an address literal; undefined for names and allowed addresses. */
  hostRefusal(host: string): string | undefined;
}

/** `[25, '2500-2599']` → a membership test. */
export function portMatcher(entries: ReadonlyArray<number | string>): (port: number) => boolean {
  const spans = entries.map((entry) => {
    if (typeof entry === 'number') return [entry, entry] as const;
    const [from = 0, to = -1] = entry.split('-').map(Number);
    return [from, to] as const;
  });
  return (port) => spans.some(([from, to]) => port >= from && port <= to);
}

export function tenantTargetPolicy(
  guard: Pick<TargetGuard, 'refusal'>,
  allowedPorts: ReadonlyArray<number | string>,
): TenantTargetPolicy {
  const portAllowed = portMatcher(allowedPorts);
  const listed = allowedPorts.join(', ');
  return {
    portRefusal: (port) => (portAllowed(port) ? undefined : `port ${port} is not allowed; use one of ${listed}`),
    hostRefusal(host) {
      const literal = literalAddress(host);
      const why = literal === undefined ? undefined : guard.refusal(literal);
      return why === undefined ? undefined : `address not allowed: ${literal} is ${why}`;
    },
  };
}
