import express, { type Response, type Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../../core/clock.js';
import { isGatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import { type MicrosoftLinks, microsoftLinkFailure } from '../../tenants/microsoft/microsoft-link.js';
import { escapeHtml, renderPage, sendHtml } from './html.js';
import { apiCatalog, markLanguage, requestLanguage } from './v1/localise.js';

/**
 * The public OAuth callback of Microsoft 365 mode, `GET /oauth/microsoft/callback?code=…&state=…`,
 * where Microsoft sends the tenant's browser after consent. Authorised, like Gmail's, by the
 * single-use `state` together with the cookie set in the browser that started the flow; the page
 * never shows the code, the state or a token, and a failure says what to do in words.
 */
export interface MicrosoftCallbackDeps {
  readonly links: Pick<MicrosoftLinks, 'complete' | 'clearCookie'>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly audit?: Pick<AuditLog, 'record'>;
}

const MAX_PARAM = 4096;
const NOT_LINKED = 'Microsoft 365 not linked';
const STORE_FAILED =
  'Postbode could not store the link (its disk is full or failing). Nothing was linked: try again later from the ' +
  'settings page.';

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

export function createMicrosoftCallbackRouter(deps: MicrosoftCallbackDeps): Router {
  const router = express.Router();
  router.get('/callback', async (req, res) => {
    const code = param(req.query.code);
    const state = param(req.query.state);
    if (req.query.error !== undefined)
      return page(
        res,
        400,
        NOT_LINKED,
        'Microsoft reports that access was not granted (your organisation may need an administrator to consent ' +
          'first). Start linking again from the settings page if you want to use Microsoft 365 mode.',
      );
    if (code === undefined || state === undefined)
      return page(
        res,
        400,
        NOT_LINKED,
        'This address is only meant to be opened by Microsoft after you allow access. Start linking from the ' +
          'settings page.',
      );
    try {
      const { tenantId, address } = await deps.links.complete(code, state, req.get('cookie'));
      res.append('Set-Cookie', deps.links.clearCookie());
      await recordLink(deps, tenantId);
      page(res, 200, 'Microsoft 365 linked', `Microsoft 365 mailbox ${address} is linked, you can close this page.`);
    } catch (err) {
      if (isGatewayError(err, 'E_INVALID')) return page(res, 400, NOT_LINKED, err.message);
      if (isGatewayError(err, 'E_CONFLICT')) return page(res, 409, NOT_LINKED, err.message);
      if (isGatewayError(err, 'E_STORAGE_FULL') || isGatewayError(err, 'E_STORAGE')) {
        deps.logger.error({ err }, 'Microsoft 365 link could not be stored');
        return page(res, 507, NOT_LINKED, STORE_FAILED);
      }
      const failure = microsoftLinkFailure(err, deps.clock());
      deps.logger.warn({ reason: failure.reason }, 'Microsoft 365 link callback failed');
      if (!failure.refused)
        return page(
          res,
          502,
          NOT_LINKED,
          'Microsoft could not be reached to finish linking. Try again in a few minutes from the settings page.',
        );
      page(
        res,
        400,
        NOT_LINKED,
        'Microsoft did not accept this sign-in (it may have expired). Start linking again from the settings page.',
      );
    }
  });
  return router;
}

async function recordLink(deps: MicrosoftCallbackDeps, tenantId: string): Promise<void> {
  try {
    await deps.audit?.record({
      at: deps.clock(),
      actor: 'microsoft-oauth-callback',
      tenantId,
      method: 'GET',
      route: '/oauth/microsoft/callback',
      targetId: tenantId,
      fieldsChanged: ['microsoft365.link'],
      status: 200,
    });
  } catch (err) {
    deps.logger.error({ err, tenantId }, 'could not write the audit log');
  }
}
