import express, { type Response, type Router } from 'express';
import type { Logger } from '../../core/logger.js';
import type { ReplyConfirmation } from '../../feedback/reply-confirmation.js';
import { escapeHtml, renderPage, sendHtml } from './html.js';

/**
 * The public page of the link Postbode mails to a reply-forwarding address,
 * `/reply-address/confirm?token=…`. Opening it changes nothing (mail scanners prefetch
 * links): it shows the address and a button; only the POST of that button confirms.
 * Public because the address owner has no account; the single-use token is the authority.
 */
export interface ReplyAddressDeps {
  readonly confirmation: Pick<ReplyConfirmation, 'addressOf' | 'confirm'>;
  readonly logger: Logger;
}

const MAX_TOKEN = 200;
const GONE =
  'This confirmation link is unknown, expired or was already used. Ask the sender to send a new one from its ' +
  'settings page.';

function tokenOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN ? value : undefined;
}

function page(res: Response, status: number, title: string, body: string, formPost = false): void {
  res.status(status);
  sendHtml(res, renderPage(title, `<h1>${escapeHtml(title)}</h1>${body}`), { formPost });
}

export function createReplyAddressRouter(deps: ReplyAddressDeps): Router {
  const router = express.Router();
  router.get('/confirm', (req, res) => {
    const token = tokenOf(req.query.token);
    const address = token === undefined ? undefined : deps.confirmation.addressOf(token);
    if (token === undefined || address === undefined)
      return page(res, 400, 'Link not valid', `<p>${escapeHtml(GONE)}</p>`);
    page(
      res,
      200,
      'Confirm reply forwarding',
      `<p>Replies from this sender's customers will be forwarded to ` +
        `<strong>${escapeHtml(address)}</strong> once you confirm.</p>
<form method="post" action="/reply-address/confirm">` +
        `<input type="hidden" name="token" value="${escapeHtml(token)}">` +
        `<button type="submit">Confirm</button></form>`,
      true,
    );
  });
  router.post(
    '/confirm',
    express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 }),
    async (req, res) => {
      const token = tokenOf((req.body as Record<string, unknown> | undefined)?.token);
      const done = token === undefined ? undefined : await deps.confirmation.confirm(token);
      if (!done) return page(res, 400, 'Link not valid', `<p>${escapeHtml(GONE)}</p>`);
      deps.logger.info({ tenantId: done.tenantId }, 'reply address confirmed through the link');
      page(
        res,
        200,
        'Reply forwarding confirmed',
        `<p>Replies will be forwarded to <strong>${escapeHtml(done.address)}</strong>. You can close this page.</p>`,
      );
    },
  );
  return router;
}
