import { escapeHtml, renderPage } from '../html.js';
import type { OpenApiDocument } from './openapi.js';

type Paths = NonNullable<OpenApiDocument['paths']>;
type PathItem = NonNullable<Paths[string]>;
type Operation = NonNullable<PathItem['get']>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * The API reference as one server-rendered page, built from the OpenAPI document: every
 * path and method with its summary, parameters, body and answers. No scripts, no CDN:
 * the page is served under the strict policy of html.ts.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const ops = operations(doc);
  const toc = ops.map(
    ({ method, path, op }) =>
      `<li><a href="#${anchor(method, path)}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a> ` +
      `<span class="muted">${escapeHtml(op.summary ?? '')}</span></li>`,
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, schema]) => `<h3 id="schema-${escapeHtml(name)}">${escapeHtml(name)}</h3>${json(schema)}`,
  );
  const body = [
    `<h1>${escapeHtml(doc.info.title)} <span class="muted">${escapeHtml(doc.info.version)}</span></h1>`,
    `<p>${escapeHtml(doc.info.description ?? '')}</p>`,
    '<p>Send <code>Authorization: Bearer &lt;token&gt;</code>. Base path <code>/api/v1</code>. ' +
      'Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>',
    `<h2>Routes</h2><ul>${toc.join('')}</ul>`,
    ...ops.map(({ method, path, op }) => renderOperation(method, path, op)),
    `<h2>Schemas</h2>${schemas.join('')}`,
  ].join('\n');
  return renderPage(doc.info.title, body);
}

function operations(doc: OpenApiDocument): Array<{ method: string; path: string; op: Operation }> {
  const out: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (op) out.push({ method, path, op });
    }
  }
  return out;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []).map((p) =>
    '$ref' in p
      ? `<tr><td colspan="4">${escapeHtml(p.$ref)}</td></tr>`
      : `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td>` +
        `<td>${p.required ? 'yes' : 'no'}</td><td>${json(p.schema)}${escapeHtml(p.description ?? '')}</td></tr>`,
  );
  const requestBody =
    op.requestBody && !('$ref' in op.requestBody) ? op.requestBody.content['application/json']?.schema : undefined;
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const resp = r as { description?: string; content?: Record<string, { schema?: unknown }> };
    const schema = resp.content?.['application/json']?.schema;
    return (
      `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(resp.description ?? '')}</td>` +
      `<td>${schema === undefined ? '' : json(schema)}</td></tr>`
    );
  });
  return [
    `<h2 id="${anchor(method, path)}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>`,
    `<p><strong>${escapeHtml(op.summary ?? '')}</strong></p>`,
    op.description ? `<p>${escapeHtml(op.description)}</p>` : '',
    op.security && op.security.length === 0 ? '<p class="muted">Public: no token needed.</p>' : '',
    params.length > 0
      ? `<h3>Parameters</h3><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th>` +
        `</tr>${params.join('')}</table>`
      : '',
    requestBody === undefined ? '' : `<h3>Request body (JSON)</h3>${json(requestBody)}`,
    `<h3>Responses</h3><table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>${responses.join('')}</table>`,
  ].join('\n');
}

function anchor(method: string, path: string): string {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2) ?? '')}</pre>`;
}
