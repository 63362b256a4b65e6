import express, { type RequestHandler, type Router } from 'express';
import { jsonBodyParser } from './json-body.js';
import { actorOf } from '../../auth/principal.js';
import { createAuthenticator } from '../../auth/authenticator.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { sendHtml } from '../html.js';
import { DEFAULT_API_LIMITS, type ApiDeps } from './api-deps.js';
import { apiErrorHandler } from './api-errors.js';
import { bearerAuth, principalOf } from './auth-middleware.js';
import { credentialRoutes } from './credential-routes.js';
import { renderDocsPage } from './docs-page.js';
import { messageRoutes } from './message-routes.js';
import { bounceAlertRoutes } from './bounce-alert-routes.js';
import { messageLogRoutes } from './message-log-routes.js';
import { mountRoutes } from './mount-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { reportRoutes } from './report-routes.js';
import type { ApiRoute } from './route-spec.js';
import { senderRoutes } from './sender-routes.js';
import { contentRoutes } from './content-routes.js';
import { textLibraryRoutes } from './text-library-routes.js';
import { PREVIEW_BODY_BYTES } from './content-preview-documents.js';
import { domainRoutes } from './domain-routes.js';
import { tenantRoutes } from './tenant-routes.js';
import { gmailRoutes } from './gmail-routes.js';
import { microsoftRoutes } from './microsoft-routes.js';
import { suppressionRoutes } from './suppression-routes.js';
import { dmarcReportRoutes } from './dmarc-report-routes.js';
import { limitRoutes } from './limit-routes.js';
import { capabilitiesRoutes } from './capabilities-routes.js';
import { platformRecordsRoutes } from './platform-records-routes.js';
import { complaintRoutes } from './complaint-routes.js';
import { peppolRoutes } from './peppol-routes.js';
import { reviewRoutes } from './review-routes.js';
import { resendRoutes } from './resend-routes.js';
import { webhookRoutes } from './webhook-routes.js';

export const API_VERSION = '1.0.0';

/** Every authenticated route of the Config API, in one list (router and OpenAPI read the same). */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    ...tenantRoutes(deps),
    ...credentialRoutes(deps),
    ...messageLogRoutes(deps),
    ...messageRoutes(deps),
    ...reportRoutes(deps),
    ...senderRoutes(deps),
    ...(deps.domains ? domainRoutes({ ...deps, domains: deps.domains }) : []),
    ...contentRoutes(deps),
    ...textLibraryRoutes(deps),
    ...(deps.gmail ? gmailRoutes({ ...deps, gmail: deps.gmail }) : []),
    ...(deps.microsoft365 ? microsoftRoutes({ ...deps, microsoft365: deps.microsoft365 }) : []),
    ...(deps.suppressions ? suppressionRoutes({ ...deps, suppressions: deps.suppressions }) : []),
    ...(deps.reports ? dmarcReportRoutes({ ...deps, reports: deps.reports }) : []),
    ...(deps.tenantLimits ? limitRoutes({ ...deps, tenantLimits: deps.tenantLimits }) : []),
    ...(deps.peppol ? peppolRoutes({ ...deps, peppol: deps.peppol }) : []),
    ...(deps.complaints ? complaintRoutes({ ...deps, complaints: deps.complaints }) : []),
    ...(deps.bounceAlerts ? bounceAlertRoutes({ ...deps, bounceAlerts: deps.bounceAlerts }) : []),
    ...(deps.platformDns ? platformRecordsRoutes({ ...deps, platformDns: deps.platformDns }) : []),
    ...(deps.capabilities ? capabilitiesRoutes({ ...deps, capabilities: deps.capabilities }) : []),
    ...(deps.review ? reviewRoutes({ ...deps, review: deps.review }) : []),
    ...(deps.review ? resendRoutes({ ...deps, review: deps.review }) : []),
    ...(deps.webhooks ? webhookRoutes({ ...deps, webhooks: deps.webhooks }) : []),
  ];
}

/**
 * The Config API, mounted at /api/v1 by createHttpApp. Order matters: the two public
 * documentation routes, then authentication and rate limits, then the JSON body parser
 * (strangers cost no parsing), then the routes, then JSON errors.
 */
export function createApiV1Router(deps: ApiDeps): Router {
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const routes = apiRoutes(deps);
  const document = buildOpenApiDocument(routes, API_VERSION);
  const docsPage = renderDocsPage(document);
  const authenticate = createAuthenticator({
    tokens: deps.tokens,
    tenants: deps.tenants,
    envAdmin: deps.envAdmin,
    clock: deps.clock,
    logger: deps.logger,
  });

  const router = express.Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    sendHtml(res, docsPage);
  });
  router.use(bearerAuth({ authenticate, limits, clock: deps.clock }));
  router.use(requestLog(deps.logger, deps.clock));
  // The content preview takes a sample attachment: a larger body for that route only (parsed once: the second
  // parser skips a parsed body).
  router.use('/tenants/:id/content/preview', jsonBodyParser(Math.max(limits.bodyBytes, PREVIEW_BODY_BYTES)));
  router.use(jsonBodyParser(limits.bodyBytes));
  mountRoutes(router, routes, { audit: deps.audit, clock: deps.clock, logger: deps.logger });
  router.use(apiErrorHandler);
  return router;
}

/** One line per authenticated request: method, route, status, who, how long. Never headers or bodies. */
function requestLog(logger: Logger, clock: Clock): RequestHandler {
  return (req, res, next) => {
    const started = clock();
    res.on('finish', () => {
      // The pattern (`/tenants/:id`), not the URL: ids of other tenants do not spread into logs.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const line = {
        method: req.method,
        route: typeof route === 'string' ? route : '(none)',
        status: res.statusCode,
        actor: actorOf(principalOf(res)),
        ms: clock() - started,
      };
      if (req.method === 'GET') logger.debug(line, 'api request');
      else logger.info(line, 'api request');
    });
    next();
  };
}
