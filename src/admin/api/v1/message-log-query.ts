import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { MessageLogFilter } from '../../../core/types.js';
import type { ApiDeps } from './api-deps.js';
import { epochMs, headerText, mailAddress, pageLimit, recordId } from './fields.js';
import { factFilter, plainStateSchema } from './message-state.js';
import { listScope } from './scope.js';
import { recipientStatus } from './views.js';

export const LIST_MAX = 500;
const LIST_DEFAULT = 50;

/** The message log's filters, the same for the JSON list and the CSV export. */
export const listQueryShape = {
  tenant: recordId.optional().meta({ description: 'Tenant id (admin only; a tenant token always sees its own)' }),
  status: recipientStatus.optional().meta({ description: 'Messages with at least one recipient in this status' }),
  state: plainStateSchema.optional().meta({ description: 'Messages in this plain state (see PlainState)' }),
  document: headerText(100)
    .min(1)
    .optional()
    .meta({ description: 'The document number (as detected; else a word of the subject), e.g. 2024-017' }),
  client: headerText(200)
    .min(1)
    .optional()
    .meta({ description: "Text in a client recipient's address (a name, a domain); copies are not searched" }),
  recipient: mailAddress.optional(),
  since: epochMs.optional().meta({ description: 'Received at or after (ms since epoch)' }),
  until: epochMs.optional().meta({ description: 'Received at or before (ms since epoch)' }),
  q: headerText(200).optional().meta({ description: 'Text in the subject or Message-ID, e.g. a document number' }),
  limit: pageLimit(LIST_MAX),
  before: recordId.optional().meta({ description: 'Cursor: the `next` of the previous page' }),
};

export const listQuery = z.strictObject(listQueryShape);
export type ListQuery = z.output<typeof listQuery>;

/** The queue's filter for this caller, or undefined when a tenant token asked for another tenant (an empty list). */
export function logFilter(
  deps: ApiDeps,
  principal: Principal,
  query: ListQuery,
  now: number,
): MessageLogFilter | undefined {
  const scope = listScope(principal, query.tenant);
  if (scope.empty) return undefined;
  const accept = factFilter(deps.content, query, now);
  return {
    tenantId: scope.tenantId,
    status: query.status,
    recipient: query.recipient,
    since: query.since,
    until: query.until,
    text: query.q,
    limit: query.limit ?? LIST_DEFAULT,
    before: query.before,
    ...(accept === undefined ? {} : { accept }),
  };
}
