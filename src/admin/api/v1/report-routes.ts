import { z } from 'zod';
import { AUDIT_MAX_LIMIT } from '../../audit/audit-log.js';
import type { ApiDeps } from './api-deps.js';
import { notFound } from './api-errors.js';
import { pageLimit, recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { auditEntrySchema, auditEntryView, summarySchema, summaryView } from './views.js';

const TENANTS_DEFAULT = 100;
const TENANTS_MAX = 500;
const AUDIT_DEFAULT = 100;

const tenantSummary = z.object({ tenantId: z.string(), name: z.string(), summary: summarySchema });
const summaryPage = z.object({
  total: summarySchema.meta({ description: "All tenants (admin), or the caller's tenant" }),
  tenants: z.array(tenantSummary),
  next: z.string().optional().meta({ description: 'Pass as `after` for the next page of tenants' }),
});

/** Queue summary, audit log, and the key fingerprint. */
export function reportRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/queue/summary',
      tag: 'Messages',
      access: 'tenant',
      summary: 'Queue summary, in total and per tenant',
      description: 'Admin: the whole queue and a page of tenants (`after`). A tenant token: its own tenant only.',
      query: z.strictObject({ limit: pageLimit(TENANTS_MAX), after: recordId.optional() }),
      responses: { 200: { description: 'Counts', schema: summaryPage } },
      async handle({ principal, query }) {
        if (principal.kind === 'tenant') {
          const own = await deps.tenants.byId(principal.tenantId);
          const total = summaryView(await deps.messages.summary(principal.tenantId));
          return {
            status: 200,
            body: { total, tenants: own ? [{ tenantId: own.id, name: own.name, summary: total }] : [] },
          };
        }
        const limit = query.limit ?? TENANTS_DEFAULT;
        const tenants = await deps.tenants.list({ limit, after: query.after });
        const last = tenants.at(-1);
        return {
          status: 200,
          body: {
            total: summaryView(await deps.messages.summary()),
            tenants: await Promise.all(
              tenants.map(async (t) => ({
                tenantId: t.id,
                name: t.name,
                summary: summaryView(await deps.messages.summary(t.id)),
              })),
            ),
            ...(tenants.length === limit && last ? { next: last.id } : {}),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/audit',
      tag: 'Audit',
      access: 'tenant',
      summary: 'The audit log',
      description:
        'Who changed what and when: token id, route, field names (never values). Newest first; a tenant token ' +
        "sees its own tenant's entries.",
      query: z.strictObject({ limit: pageLimit(AUDIT_MAX_LIMIT), before: recordId.optional() }),
      responses: {
        200: {
          description: 'A page of entries',
          schema: z.object({ entries: z.array(auditEntrySchema), next: z.string().optional() }),
        },
      },
      async handle({ principal, query }) {
        const page = await deps.audit.list({
          limit: query.limit ?? AUDIT_DEFAULT,
          before: query.before,
          ...(principal.kind === 'tenant' ? { tenantId: principal.tenantId } : {}),
        });
        return {
          status: 200,
          body: { entries: page.entries.map(auditEntryView), ...(page.next === undefined ? {} : { next: page.next }) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/system/secret-key',
      tag: 'System',
      access: 'admin',
      summary: 'Fingerprint of the secret-encryption key',
      description:
        'Every node must show the same fingerprint: secrets sealed on one node are opened on another. The key ' +
        'itself is never returned.',
      responses: { 200: { description: 'The fingerprint', schema: z.object({ keyFingerprint: z.string() }) } },
      async handle() {
        if (!deps.secrets) throw notFound();
        return { status: 200, body: { keyFingerprint: deps.secrets.keyFingerprint() } };
      },
    }),
  ];
}
