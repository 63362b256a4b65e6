import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { Route } from '../../core/types.js';
import { isSendAs } from '../../transports/gmail/gmail-message.js';
import { deferral } from '../gmail/gmail-link.js';
import type { MicrosoftLinks } from './microsoft-link.js';
import { microsoftLinkKey, type MicrosoftStore } from './microsoft-store.js';

/**
 * What the pipeline asks for a tenant in Microsoft 365 mode: the route through its linked mailbox
 * and the From to write: the tenant's own address when set (checked against the mailbox's
 * addresses by the transport, which defers with the reason), else the legacy From when the mailbox
 * may send as it, else the mailbox's address. A missing or broken link defers (451): the mail
 * waits for the tenant, never bounces.
 */
export interface MicrosoftPlan {
  readonly route: Route;
  readonly from: string;
}

export type MicrosoftPlanner = (
  tenantId: string,
  ownAddress: string | undefined,
  legacyFrom: string | undefined,
) => Promise<MicrosoftPlan>;

export const MICROSOFT_NOT_LINKED_REPLY: SmtpReply = smtpReply(
  451,
  '4.7.0',
  'Microsoft 365 mode without a linked mailbox: link one in the sender settings, or choose another mode',
);

export const MICROSOFT_BROKEN_PREFIX = 'Microsoft 365 link broken';

export function microsoftBrokenReply(reason: string): SmtpReply {
  const text = reason.replace(/^\d{3} \d\.\d{1,3}\.\d{1,3} /, '');
  return smtpReply(
    451,
    '4.7.0',
    text.startsWith(MICROSOFT_BROKEN_PREFIX) ? text : `${MICROSOFT_BROKEN_PREFIX}: ${text}`,
  );
}

export function createMicrosoftPlanner(store: MicrosoftStore, links: MicrosoftLinks): MicrosoftPlanner {
  return async (tenantId, ownAddress, legacyFrom) => {
    const link = store.link(tenantId);
    if (!link) throw deferral(MICROSOFT_NOT_LINKED_REPLY);
    if (link.broken) throw deferral(microsoftBrokenReply(link.broken.reason));
    const from =
      ownAddress ?? (legacyFrom !== undefined && isSendAs(legacyFrom, link.sendAs) ? legacyFrom : link.address);
    const account = {
      address: link.address,
      userId: link.userId,
      sendAs: link.sendAs,
      refreshToken: links.refreshToken(tenantId, link),
      dailyRecipientLimit: links.limitOf(link),
    };
    const key = microsoftLinkKey(tenantId, link);
    return { route: { kind: 'microsoft365', key, owner: tenantId, account }, from };
  };
}
