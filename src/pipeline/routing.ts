import type { Config } from '../config/schema.js';
import type { Route } from '../core/types.js';

export interface RoutedRecipients {
  readonly route: Route;
  readonly recipients: string[];
}

/**
 * Where recipients go through the platform's own transport: the configured smarthost,
 * direct MX per recipient domain, or the dev mailbox. Tenant next hops (own SMTP server)
 * are chosen by the pipeline (src/pipeline/shared.ts), which calls this for everything else.
 */
export function platformRoutes(mode: Config['delivery']['mode']) {
  return (addresses: readonly string[]): RoutedRecipients[] => {
    if (addresses.length === 0) return [];
    if (mode === 'capture') return [{ route: { kind: 'capture' }, recipients: [...addresses] }];
    if (mode === 'smarthost') return [{ route: { kind: 'smarthost', name: 'default' }, recipients: [...addresses] }];
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
