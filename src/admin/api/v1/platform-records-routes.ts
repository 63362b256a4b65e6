import { z } from 'zod';
import { GatewayError } from '../../../core/gateway-error.js';
import type { PlatformDns } from '../../../tenants/domains/platform-dns.js';
import type { ApiDeps } from './api-deps.js';
import { defineRoute, type ApiRoute } from './route-spec.js';

const recordSchema = z.looseObject({
  record: z.enum(['dkim', 'spf', 'dmarc', 'mx', 'mta-sts', 'tls-rpt', 'helo']),
  type: z.string().meta({ description: 'DNS type to publish; `A/AAAA+PTR` for the HELO name' }),
  name: z.string(),
  expected: z.string().meta({ description: 'What to publish' }),
  found: z.string().nullable(),
  status: z.enum(['ok', 'missing', 'wrong', 'unknown']),
  problem: z.string().nullable(),
  advice: z.string(),
  purpose: z.string(),
  required: z.boolean().meta({ description: 'Needed to authenticate and get bounces back; else recommended' }),
});

const reportSchema = z
  .object({
    sendingDomain: z.string(),
    bounceDomain: z.string().nullable().meta({ description: 'Only when it differs from the sending domain' }),
    hostname: z.string().meta({ description: 'The HELO name, and where the platform domains’ MX must point' }),
    ok: z.boolean().meta({ description: 'Every required record checked ok' }),
    records: z.array(recordSchema),
  })
  .meta({ id: 'PlatformDnsRecords' });

/** The platform's own DNS records, each checked now: admin only. */
export function platformRecordsRoutes(deps: ApiDeps & { readonly platformDns: PlatformDns }): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/platform/dns-records',
      tag: 'Domains',
      access: 'admin',
      summary: "The platform's own DNS records, checked",
      description:
        'What the operator publishes for platform.sendingDomain and bounceDomain (DKIM, SPF and its include, DMARC, ' +
        'MX of the inbound, MTA-STS, TLS-RPT) and whether the HELO name resolves to our address and back (PTR), ' +
        'each looked up now and reported like a tenant domain check (ok / missing / wrong / unknown).',
      responses: {
        200: { description: 'Each record with its check', schema: reportSchema },
        409: { description: '`conflict`: platform.sendingDomain is not set, so the platform publishes nothing' },
      },
      async handle() {
        const report = await deps.platformDns.check();
        if (report === null)
          throw new GatewayError('E_CONFLICT', 'platform.sendingDomain is not set: the platform has no records');
        return { status: 200, body: report };
      },
    }),
  ];
}
