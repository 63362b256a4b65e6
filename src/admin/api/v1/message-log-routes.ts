import { z } from 'zod';
import type { MessageLogFilter, MessageLogPage, QueuedMessage } from '../../../core/types.js';
import type { ApiDeps } from './api-deps.js';
import { notFound } from './api-errors.js';
import { idParams, pageLimit } from './fields.js';
import { csvRows, toCsv } from './message-csv.js';
import { listQueryShape, logFilter } from './message-log-query.js';
import { messageFacts } from './message-state.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { canSee } from './scope.js';

const TAG = 'Messages';
/** Most messages one CSV export holds; page on with the X-Next-Before header. */
export const CSV_MAX = 5_000;
const CSV_DEFAULT = 1_000;

const csvQuery = z.strictObject({ ...listQueryShape, limit: pageLimit(CSV_MAX) });

const bytesView = z.object({
  text: z.string().optional().meta({ description: 'The bytes as text (latin1-safe: 7-bit or UTF-8 mail)' }),
  base64: z.string().meta({ description: 'The exact bytes, base64' }),
  size: z.number().int(),
});

const renderedAnswer = z.object({
  original: bytesView.optional().meta({ description: 'As received from the client (plus our trace header)' }),
  sent: bytesView.optional().meta({
    description:
      'As it left for the first client recipient the next hop accepted: rewritten, tracked and DKIM-signed. ' +
      'Absent until a client recipient was accepted (or for mail sent before this was kept)',
  }),
});

/** Most list pages one export reads (each reads at most the queue's scan budget of records). */
const EXPORT_MAX_PAGES = 20;

/** The queue's pages one after another until `filter.limit` messages, the log's start, or EXPORT_MAX_PAGES. */
async function exportPages(deps: ApiDeps, filter: MessageLogFilter): Promise<MessageLogPage> {
  const messages: QueuedMessage[] = [];
  let before = filter.before;
  for (let n = 0; n < EXPORT_MAX_PAGES; n++) {
    const page = await deps.messages.list({ ...filter, limit: filter.limit - messages.length, before });
    messages.push(...page.messages);
    before = page.next;
    if (before === undefined || messages.length >= filter.limit) break;
  }
  return { messages, ...(before === undefined ? {} : { next: before }) };
}

function bytes(raw: Buffer | undefined): z.output<typeof bytesView> | undefined {
  if (raw === undefined) return undefined;
  const utf8 = raw.toString('utf8');
  return { ...(utf8.includes('\uFFFD') ? {} : { text: utf8 }), base64: raw.toString('base64'), size: raw.length };
}

/** The message log as CSV (same filters as GET /messages), and one message as sent beside the original. */
export function messageLogRoutes(deps: ApiDeps): ApiRoute[] {
  const visible = async (tenantOk: (tenantId: string) => boolean, id: string): Promise<QueuedMessage> => {
    const msg = await deps.messages.get(id);
    if (!msg || !tenantOk(msg.tenantId)) throw notFound();
    return msg;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/messages.csv',
      tag: TAG,
      access: 'tenant',
      summary: 'The message log as CSV',
      description:
        'The filters of GET /messages; one row per recipient, newest message first. At most `limit` messages ' +
        `(default ${CSV_DEFAULT}, at most ${CSV_MAX}); when more match, the X-Next-Before header is the ` +
        "`before` of the next export. Cells that start with = + - @ are prefixed with ' (no formulas).",
      query: csvQuery,
      responses: { 200: { description: 'CSV, RFC 4180, UTF-8', contentType: 'text/csv' } },
      async handle({ principal, query, now }) {
        const filter = logFilter(deps, principal, { ...query, limit: query.limit ?? CSV_DEFAULT }, now);
        const page = filter ? await exportPages(deps, filter) : { messages: [] };
        await deps.content?.annotations?.load?.(page.messages.map((m) => m.id));
        await deps.content?.opens?.load?.(page.messages.map((m) => m.id));
        const rows = page.messages.flatMap((m) => csvRows(m, messageFacts(deps.content, m, now)));
        return {
          status: 200,
          raw: { contentType: 'text/csv; charset=utf-8', text: toCsv(rows), filename: 'messages.csv' },
          ...(page.next === undefined ? {} : { headers: { 'X-Next-Before': page.next } }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/messages/:id/rendered',
      tag: TAG,
      access: 'tenant',
      summary: 'The message as sent, beside the original',
      description:
        'The exact bytes that left (after the rewrite, the tracking pixel and the DKIM signature) and the bytes the ' +
        'client handed in, each as text and base64; kept until the message log is purged.',
      params: idParams,
      responses: { 200: { description: 'Both forms', schema: renderedAnswer } },
      async handle({ principal, params }) {
        const msg = await visible((tenantId) => canSee(principal, tenantId), params.id);
        const original = bytes(await deps.messages.body(msg.id));
        const sent = bytes(await deps.messages.asSent?.(msg.id));
        return {
          status: 200,
          body: { ...(original === undefined ? {} : { original }), ...(sent === undefined ? {} : { sent }) },
        };
      },
    }),
  ];
}
