import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../../../src/admin/api/v1/api-errors.js';
import { renderDocsPage } from '../../../src/admin/api/v1/docs-page.js';
import { buildOpenApiDocument } from '../../../src/admin/api/v1/openapi.js';
import { defineRoute } from '../../../src/admin/api/v1/route-spec.js';

const ADMIN = { kind: 'admin' } as const;

const route = defineRoute({
  method: 'patch',
  path: '/things/:id',
  tag: 'Things',
  access: 'tenant',
  summary: 'Change a <thing>',
  description: 'Evil <script>alert(1)</script> & more',
  params: z.strictObject({ id: z.string().regex(/^\d+$/) }),
  query: z.strictObject({ dry: z.enum(['true', 'false']).optional() }),
  body: z.strictObject({ name: z.string().min(1), size: z.number().int().optional() }),
  responses: { 200: { description: 'Changed', schema: z.object({ ok: z.boolean() }) } },
  async handle({ params, body }) {
    return { status: 200, body: { ok: true, id: params.id, name: body.name } };
  },
});

async function errorOf(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

describe('defineRoute', () => {
  it('validates params, query and body together and names every bad field', async () => {
    const err = await errorOf(
      route.run(
        { params: { id: 'x' }, query: { dry: 'maybe', extra: '1' }, body: { name: '', role: 'admin' } },
        ADMIN,
        0,
      ),
    );
    expect(err.status).toBe(400);
    expect(Object.keys(err.body.fields ?? {}).sort()).toEqual([
      'body.name',
      'body.role',
      'params.id',
      'query.dry',
      'query.extra',
    ]);
  });

  it("runs the handler with parsed input and defaults the audited fields to the body's keys", async () => {
    const reply = await route.run({ params: { id: '7' }, query: {}, body: { name: 'n', size: 2 } }, ADMIN, 0);
    expect(reply).toEqual({
      status: 200,
      body: { ok: true, id: '7', name: 'n' },
      audit: { fieldsChanged: ['name', 'size'] },
    });
  });

  it('treats a missing body as {} and refuses fields on a route without a body', async () => {
    const bodiless = defineRoute({
      method: 'post',
      path: '/ping',
      tag: 'T',
      access: 'admin',
      summary: 'Ping',
      responses: { 204: { description: 'ok' } },
      async handle() {
        return { status: 204 };
      },
    });
    expect((await bodiless.run({ params: {}, query: {}, body: undefined }, ADMIN, 0)).status).toBe(204);
    const err = await errorOf(bodiless.run({ params: {}, query: {}, body: { a: 1 } }, ADMIN, 0));
    expect(err.body.fields).toEqual({ 'body.a': ['unknown field'] });
  });
});

describe('OpenAPI document and docs page', () => {
  const doc = buildOpenApiDocument([route], '9.9.9');

  it('turns the route into an OpenAPI 3.1 operation with its parameters, body and errors', () => {
    const op = doc.paths?.['/things/{id}']?.patch;
    expect(doc.openapi).toBe('3.1.0');
    expect(op?.summary).toBe('Change a <thing>');
    expect(op?.parameters?.map((p) => ('name' in p ? `${p.in}:${p.name}` : ''))).toEqual(['path:id', 'query:dry']);
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404', '413', '415', '429', '500']);
  });

  it('escapes everything it renders', () => {
    const html = renderDocsPage(doc);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(html).toContain('Change a &lt;thing&gt;');
    expect(html).toContain('<code>PATCH /things/{id}</code>');
  });
});
