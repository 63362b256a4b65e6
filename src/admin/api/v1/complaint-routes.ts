import { z } from 'zod';
import type { ComplaintReader } from '../../../feedback/arf-store.js';
import type { ApiDeps } from './api-deps.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const complaintSchema = z.object({
  at: z.number().int(),
  queueId: z.string(),
  recipient: z.string().optional().meta({ description: 'Absent when the report did not let us know who' }),
  feedbackType: z.string().meta({ description: 'The report’s Feedback-Type: abuse, fraud, other…' }),
});

const summarySchema = z
  .object({
    lastDay: z.number().int(),
    last30Days: z.number().int(),
    messagesLastDay: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Messages the tenant sent in the last 24 h (this node’s count); null when unknown' }),
    rateLastDay: z
      .number()
      .nullable()
      .meta({
        description:
          'lastDay / messagesLastDay: Gmail asks bulk senders to stay below 0.001 and never reach 0.003; null ' +
          'without messages',
      }),
    recent: z.array(complaintSchema).meta({ description: 'Newest first, at most 20' }),
  })
  .meta({ id: 'Complaints' });

/** Complaints from receivers' feedback loops (ARF) for one tenant, and the complaint rate. */
export function complaintRoutes(deps: ApiDeps & { readonly complaints: ComplaintReader }): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/complaints',
      tag: 'Suppression list',
      access: 'tenant',
      summary: 'Spam complaints and the complaint rate',
      description:
        'Counted from the abuse reports (ARF, RFC 5965) receivers send to the inbound MX when a recipient marks a ' +
        'message as spam; that recipient is put on the suppression list. Kept 30 days.',
      params: idParams,
      responses: { 200: { description: 'Counts, rate and the latest complaints', schema: summarySchema } },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const summary = deps.complaints.summary(params.id, now);
        const sent = deps.tenantLimits?.usage.messagesLastDay(params.id, now) ?? null;
        const rate = sent === null || sent === 0 ? null : summary.lastDay / sent;
        return { status: 200, body: { ...summary, messagesLastDay: sent, rateLastDay: rate } };
      },
    }),
  ];
}
