import { z } from 'zod';
import { REPORT_WINDOW_MS, type ReportReader } from '../../../feedback/reports/open-reports.js';
import { PLATFORM_REPORTS } from '../../../feedback/reports/report-store.js';
import type { ReportSummary } from '../../../feedback/reports/report-summary.js';
import type { ApiDeps } from './api-deps.js';
import { domainName, idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Reports';
const DAY_MS = 24 * 3600_000;

const passFail = z.object({ pass: z.number().int(), fail: z.number().int() });
export const reportSummarySchema = z
  .object({
    domain: z.string(),
    since: z.number().int().meta({ description: 'Reports that arrived from this time on (ms since epoch)' }),
    dmarc: z.object({
      reports: z.number().int(),
      messages: z.number().int().meta({ description: 'Messages the receivers reported, in total' }),
      dkim: passFail.meta({ description: 'DKIM passed and aligned with the From domain' }),
      spf: passFail.meta({ description: 'SPF passed and aligned with the From domain' }),
      dmarc: passFail.meta({ description: 'DMARC: DKIM or SPF passed and aligned' }),
      quarantined: z.number().int().meta({ description: 'Failed messages the receivers put in spam' }),
      rejected: z.number().int().meta({ description: 'Failed messages the receivers refused' }),
      policy: z.string().nullable().meta({ description: 'The p= the receivers saw, of the newest report' }),
      sources: z
        .array(z.object({ ip: z.string(), messages: z.number().int(), pass: z.number().int(), fail: z.number().int() }))
        .meta({ description: 'Who sends as the domain: the 20 biggest sending addresses' }),
      reporters: z.array(z.string()).meta({ description: 'Organisations that sent reports' }),
    }),
    tls: z.object({
      reports: z.number().int(),
      successes: z.number().int(),
      failures: z.number().int(),
      failureTypes: z
        .array(z.object({ resultType: z.string(), count: z.number().int() }))
        .meta({ description: 'TLS failures by RFC 8460 result type, most first' }),
    }),
    whatToFix: z
      .array(
        z.object({
          code: z.string(),
          advice: z.string().meta({ description: "Plain words, in the request's language (Accept-Language)" }),
          params: z.record(z.string(), z.union([z.string(), z.number()])),
        }),
      )
      .meta({ description: 'What to do about what the reports say; "report-all-good" when nothing' }),
  })
  .meta({ id: 'ReportSummary' });

const windowQuery = z.strictObject({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(92)
    .optional()
    .meta({ description: 'Reports of the last this many days (default 30; reports are kept 92 days)' }),
});

function sinceOf(now: number, days: number | undefined): number {
  return days === undefined ? now - REPORT_WINDOW_MS : now - days * DAY_MS;
}

/**
 * DMARC aggregate and TLS-RPT reports received by the inbound MX (src/feedback/reports/): a tenant's
 * domain and, for the admin, the platform's own domains. A tenant reads only reports stored under its
 * own id: a report for another tenant's domain is not in its scope whatever domain it asks for.
 */
export function dmarcReportRoutes(deps: ApiDeps & { readonly reports: ReportReader }): ApiRoute[] {
  const { reports } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/domains/:domain/reports',
      tag: TAG,
      access: 'tenant',
      summary: "What receivers report about a domain's mail",
      description:
        'Summed over the DMARC aggregate and TLS-RPT reports that arrived at the platform report addresses: who ' +
        'sends as the domain, DKIM/SPF/DMARC pass and fail counts, TLS failures by type, and what to fix. 404 ' +
        'when the tenant has no such domain.',
      params: idParams.extend({ domain: domainName }),
      query: windowQuery,
      responses: { 200: { description: 'The summary', schema: reportSummarySchema } },
      async handle({ principal, params, query, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const domain = params.domain.toLowerCase();
        deps.domains?.get(params.id, domain); // 404 unless the tenant has this domain
        return { status: 200, body: await reports.summary(params.id, domain, sinceOf(now, query.days)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/platform/reports',
      tag: TAG,
      access: 'admin',
      summary: "What receivers report about the platform's own domains",
      description: 'One summary per platform domain that has reports (the sending and bounce domain).',
      query: windowQuery,
      responses: {
        200: { description: 'Summaries', schema: z.object({ domains: z.array(reportSummarySchema) }) },
      },
      async handle({ query, now }) {
        const since = sinceOf(now, query.days);
        const summaries: ReportSummary[] = [];
        for (const domain of Object.keys(reports.domains(PLATFORM_REPORTS)).sort())
          summaries.push(await reports.summary(PLATFORM_REPORTS, domain, since));
        return { status: 200, body: { domains: summaries } };
      },
    }),
  ];
}
