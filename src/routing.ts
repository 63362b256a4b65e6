import type { Config } from './config/schema.js';
import type { QueuedMessage, RecipientState, Route } from './core/types.js';

export interface PlannedDelivery {
  readonly route: Route;
  readonly recipients: string[];
}

/**
 * Decides where each pending recipient goes. Today the platform transport only: the
 * configured smarthost, direct MX per recipient domain, or the dev mailbox. Tenant sender
 * modes (own SMTP server, Gmail) will add their routes here.
 */
export function planPlatformRoutes(mode: Config['delivery']['mode']) {
  return (_message: QueuedMessage, pending: readonly RecipientState[]): PlannedDelivery[] => {
    const addresses = pending.map((r) => r.address);
    if (mode === 'capture') return [{ route: { kind: 'capture' }, recipients: addresses }];
    if (mode === 'smarthost') return [{ route: { kind: 'smarthost', name: 'default' }, recipients: addresses }];
    return groupByDomain(addresses).map(([domain, recipients]) => ({ route: { kind: 'direct', domain }, recipients }));
  };
}

function groupByDomain(addresses: readonly string[]): Array<[string, string[]]> {
  const byDomain = new Map<string, string[]>();
  for (const address of addresses) {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    const list = byDomain.get(domain) ?? [];
    list.push(address);
    byDomain.set(domain, list);
  }
  return [...byDomain.entries()];
}
