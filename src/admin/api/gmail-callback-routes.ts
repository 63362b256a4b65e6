import express, { type Response, type Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../../core/clock.js';
import { isGatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import type { GmailLinks } from '../../tenants/gmail/gmail-link.js';
import { linkFailure } from '../../tenants/gmail/link-failure.js';
import { escapeHtml, renderPage, sendHtml } from './html.js';
import { apiCatalog, markLanguage, requestLanguage } from './v1/localise.js';

/**
 * The public OAuth callback, `GET /oauth/google/callback?code=…&state=…`: Google sends the
 * tenant's browser here after consent. Public because the browser carries no API token; the
 * single-use `state` (bound to the tenant, expiring) together with the cookie set when the
 * flow started in this browser (src/tenants/gmail/browser-binding.ts) is what authorises it. The page never
 * shows the code, the state or any token; a failure says what to do in words.
 */
export interface GmailCallbackDeps {
  /** `clearCookie`: the Set-Cookie that removes a used-up flow's cookie. */
  readonly links: Pick<GmailLinks, 'complete'> & Partial<Pick<GmailLinks, 'clearCookie'>>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** A completed link is a change to the tenant like any API call: it goes in the audit log. */
  readonly audit?: Pick<AuditLog, 'record'>;
}

const MAX_PARAM = 2048;

/**
 * In the browser's language (Accept-Language nl or en): the tenant comes here from Google, not from the settings page.
 */
function page(res: Response, status: number, title: string, text: string): void {
  const lang = requestLanguage(res.req);
  const [heading, words] = [apiCatalog.localise(title, lang).text, apiCatalog.localise(text, lang).text];
  res.status(status);
  markLanguage(res, lang);
  sendHtml(res, renderPage(heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(words)}</p>`, lang));
}

function param(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PARAM ? value : undefined;
}

export function createGmailCallbackRouter(deps: GmailCallbackDeps): Router {
  const router = express.Router();
  router.get('/callback', async (req, res) => {
    const code = param(req.query.code);
    const state = param(req.query.state);
    if (req.query.error !== undefined)
      return page(
        res,
        400,
        'Gmail not linked',
        'Google reports that access was not granted. Start linking again from the settings page if you want to ' +
          'use Gmail mode.',
      );
    if (code === undefined || state === undefined)
      return page(
        res,
        400,
        'Gmail not linked',
        'This address is only meant to be opened by Google after you allow access. Start linking from the ' +
          'settings page.',
      );
    try {
      const { tenantId, address } = await deps.links.complete(code, state, req.get('cookie'));
      if (deps.links.clearCookie) res.append('Set-Cookie', deps.links.clearCookie());
      await recordLink(deps, tenantId);
      page(res, 200, 'Gmail linked', `Gmail account ${address} is linked, you can close this page.`);
    } catch (err) {
      if (isGatewayError(err, 'E_INVALID')) return page(res, 400, 'Gmail not linked', err.message);
      if (isGatewayError(err, 'E_CONFLICT')) return page(res, 409, 'Gmail not linked', err.message);
      const failure = linkFailure(err, deps.clock());
      deps.logger.warn({ reason: failure.reason }, 'Gmail link callback failed');
      if (failure.refused) {
        return page(
          res,
          400,
          'Gmail not linked',
          'Google did not accept this sign-in (it may have expired). Start linking again from the settings page.',
        );
      }
      page(
        res,
        502,
        'Gmail not linked',
        'Google could not be reached to finish linking. Try again in a few minutes from the settings page.',
      );
    }
  });
  return router;
}

/** The actor is the consent flow (whoever completed it in a browser); never the code or state. */
async function recordLink(deps: GmailCallbackDeps, tenantId: string): Promise<void> {
  try {
    await deps.audit?.record({
      at: deps.clock(),
      actor: 'google-oauth-callback',
      tenantId,
      method: 'GET',
      route: '/oauth/google/callback',
      targetId: tenantId,
      fieldsChanged: ['gmail.link'],
      status: 200,
    });
  } catch (err) {
    // The link is made: answer it, but make the missing audit entry loud (as mount-routes does).
    deps.logger.error({ err, tenantId }, 'could not write the audit log');
  }
}
