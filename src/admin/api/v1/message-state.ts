import { z } from 'zod';
import type { QueuedMessage } from '../../../core/types.js';
import { PLAIN_STATES, plainStateOf, type PlainState, type RecipientFeedback } from '../../../queue/plain-state.js';
import type { ContentApiDeps } from './route-deps.js';

/**
 * The message log's plain states (queue/plain-state.ts) as the API shows and filters them: the
 * opens and the content annotation of one message are read only for a message that passed the
 * cheaper filters (tenant, dates, recipient) of the queue's own scan.
 */
export const plainStateSchema = z.enum(PLAIN_STATES as [PlainState, ...PlainState[]]).meta({
  id: 'PlainState',
  description:
    'queued, held, deferred; sent (a relay accepted it), delivered (the receiving server accepted it, or a relay ' +
    'did and no bounce came back within 4 hours), read (a person opened it), replied, bounced, cancelled',
});

export const plainEventSchema = z.object({
  at: z.number().int(),
  state: plainStateSchema,
  detail: z.string().meta({ description: 'The reply or reason behind it' }),
});

export type StateSources = Pick<ContentApiDeps, 'opens' | 'annotations' | 'store'> | undefined;

export interface MessageFacts {
  readonly state: PlainState;
  readonly recipients: ReturnType<typeof plainStateOf>['recipients'];
  readonly documentNumber?: string;
  readonly documentType?: string;
}

function feedbackOf(sources: StateSources, id: string): (address: string) => RecipientFeedback {
  const opens = sources?.opens?.forMessage(id) ?? {};
  return (address) => {
    const open = opens[address.toLowerCase()];
    return open?.firstHumanOpenAt === undefined ? {} : { firstReadAt: open.firstHumanOpenAt };
  };
}

/** The plain state of a message and its recipients, and its document number when the content stage found one. */
export function messageFacts(sources: StateSources, msg: QueuedMessage, now: number): MessageFacts {
  const plain = plainStateOf(msg, feedbackOf(sources, msg.id), now);
  const note = sources?.annotations?.annotation(msg.id) ?? sources?.store?.annotation(msg.id);
  return {
    ...plain,
    ...(note?.documentNumber === undefined ? {} : { documentNumber: note.documentNumber }),
    ...(note?.documentType === undefined ? {} : { documentType: note.documentType }),
  };
}

export interface FactFilter {
  readonly state?: PlainState | undefined;
  readonly document?: string | undefined;
  readonly client?: string | undefined;
}

/** undefined when no filter needs the facts (the queue's scan then reads no opens or annotations). */
export function factFilter(
  sources: StateSources,
  filter: FactFilter,
  now: number,
): ((msg: QueuedMessage) => boolean) | undefined {
  const { state, client } = filter;
  const document = filter.document?.toLowerCase();
  if (state === undefined && document === undefined && client === undefined) return undefined;
  const clientNeedle = client?.toLowerCase();
  return (msg) => {
    if (clientNeedle !== undefined && !clientMatches(msg, clientNeedle)) return false;
    if (state === undefined && document === undefined) return true;
    const facts = messageFacts(sources, msg, now);
    if (state !== undefined && facts.state !== state) return false;
    return document === undefined || documentMatches(facts.documentNumber, msg.subject, document);
  };
}

/** A client recipient's address holds the text (a name, a domain). */
function clientMatches(msg: QueuedMessage, needle: string): boolean {
  return msg.recipients.some(
    (r) => (r.role === undefined || r.role === 'client') && r.address.toLowerCase().includes(needle),
  );
}

/** The detected document number is it, or (nothing detected) the subject holds it as a word. */
function documentMatches(found: string | undefined, subject: string | undefined, wanted: string): boolean {
  if (found !== undefined) return found.toLowerCase() === wanted;
  const words = (subject ?? '').toLowerCase().split(/[\s:;,()[\]#]+/);
  return words.includes(wanted);
}
