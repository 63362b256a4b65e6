import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { Route } from '../../core/types.js';
import { isSendAs } from '../../transports/gmail/gmail-message.js';
import { deferral, type GmailLinks } from './gmail-link.js';
import { linkKey, type GmailStore } from './gmail-store.js';

/**
 * What the pipeline asks for a tenant in Gmail mode: the route through its linked account
 * and the From to write. The From is the tenant's own address when set (the Gmail transport
 * then checks it against the send-as aliases and defers with the reason when it is not one:
 * a configuration error the tenant sees, never a silent rewrite), else the legacy software's
 * From when the account may send as it, else the account's own address.
 * A missing or broken link throws a 451 deferral: the mail waits for the tenant, never bounces.
 */
export interface GmailPlan {
  readonly route: Route;
  readonly from: string;
}

export type GmailPlanner = (
  tenantId: string,
  ownAddress: string | undefined,
  legacyFrom: string | undefined,
) => Promise<GmailPlan>;

export const NOT_LINKED_REPLY: SmtpReply = smtpReply(
  451,
  '4.7.0',
  'Gmail mode without a linked Gmail account: link one in the sender settings, or choose another mode',
);

/** The stored reason of a broken link (text: it may predate typed replies) as the reply its mail waits with. */
export function brokenReply(reason: string): SmtpReply {
  const prefix = '451 4.7.0 ';
  return reason.startsWith(`${prefix}Gmail link broken`)
    ? smtpReply(451, '4.7.0', reason.slice(prefix.length))
    : smtpReply(451, '4.7.0', `Gmail link broken: re-link needed (${reason})`);
}

export function createGmailPlanner(store: GmailStore, links: GmailLinks): GmailPlanner {
  return async (tenantId, ownAddress, legacyFrom) => {
    const link = store.link(tenantId);
    if (!link) throw deferral(NOT_LINKED_REPLY);
    if (link.broken) throw deferral(brokenReply(link.broken.reason));
    const aliases = await links.freshAliases(tenantId, link);
    const from = ownAddress ?? (legacyFrom !== undefined && isSendAs(legacyFrom, aliases) ? legacyFrom : link.address);
    const account = {
      address: link.address,
      aliases,
      refreshToken: links.refreshToken(tenantId, link),
      dailyLimit: links.limitOf(link),
    };
    return { route: { kind: 'gmail', key: linkKey(tenantId, link), owner: tenantId, account }, from };
  };
}
