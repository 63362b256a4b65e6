import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ApiRoute } from './route-spec.js';
import { errorSchema } from './views.js';

/** The generated document, as served at GET /api/v1/openapi.json. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** Answers every authenticated route may give, besides its own. */
const COMMON_ERRORS: Readonly<Record<number, string>> = {
  400: 'Invalid request: `fields` names each bad field and why',
  401: 'Missing, unknown, expired or revoked token',
  413: 'Body larger than the limit',
  415:
    '`unsupported_media_type`: a body not sent as JSON (Content-Type: application/json), or in a charset or ' +
    'Content-Encoding the API does not read',
  429: 'Rate limited; see Retry-After',
  500: '`internal_error`: something unexpected went wrong; it is logged on the server, try again later',
};

/** The two routes that need no token (router.ts serves them before authentication). */
const PUBLIC_PATHS: ReadonlyArray<readonly [string, string, string]> = [
  ['/openapi.json', 'This document', 'application/json'],
  ['/docs', 'This document as a reference page', 'text/html'],
];

/** OpenAPI 3.1 from the route table: the same zod schemas that check the requests. */
export function buildOpenApiDocument(routes: readonly ApiRoute[], version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Admin token, or a tenant token `pb_<id>_<secret>`',
  });
  for (const route of routes) registry.registerPath(toPathConfig(route));
  for (const [path, summary, type] of PUBLIC_PATHS) {
    registry.registerPath({
      method: 'get',
      path,
      tags: ['Documentation'],
      summary,
      security: [],
      responses: { 200: { description: 'OK', content: { [type]: { schema: { type: 'string' } } } } },
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Postbode Config API',
      version,
      description:
        'Tenants, credentials, API tokens, the message log and the audit log. ' +
        'Every route needs a bearer token except this document and /api/v1/docs. ' +
        'Texts meant for people (error messages, field reasons, spam advice) follow Accept-Language ' +
        '(nl or en, English by default); the codes beside them never change.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
  });
}

function toPathConfig(route: ApiRoute): RouteConfig {
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, description] of Object.entries(COMMON_ERRORS))
    responses[Number(status)] = jsonResponse(description, errorSchema);
  if (route.path.includes(':')) responses[404] = jsonResponse("Not found (or another tenant's)", errorSchema);
  if (route.access === 'admin') responses[403] = jsonResponse('Needs the admin token', errorSchema);
  for (const [status, spec] of Object.entries(route.responses)) {
    // Every error answer carries the Error body, also where the route only describes when it happens.
    const schema = spec.schema ?? (Number(status) >= 400 ? errorSchema : undefined);
    if (spec.contentType !== undefined) {
      const content = { [spec.contentType]: { schema: spec.schema ?? z.string() } };
      responses[Number(status)] = { description: spec.description, content };
      continue;
    }
    responses[Number(status)] = schema ? jsonResponse(spec.description, schema) : { description: spec.description };
  }
  return {
    method: route.method,
    path: route.path.replace(/:(\w+)/g, '{$1}'),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    request: {
      params: route.params,
      query: route.query,
      ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    },
    responses,
  };
}

function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}
