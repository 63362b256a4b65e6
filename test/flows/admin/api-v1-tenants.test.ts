import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../../src/tenants/password.js';
import { startApiHarness, type ApiHarness, type Json } from '../../helpers/api-v1-harness.js';

let h: ApiHarness;
let admin: string;
const NOPE = '01JD4T8X9M2C5V7B3N6K0QWERT';

beforeAll(async () => {
  h = await startApiHarness();
  admin = h.adminToken;
});

afterAll(async () => {
  await h?.close();
});

describe('POST /api/v1/tenants', () => {
  it('creates a tenant and shows its SMTP password once, storing only the hash', async () => {
    const res = await h.call('POST', '/api/v1/tenants', {
      token: admin,
      body: {
        name: 'Acme Facturatie BV',
        smtpUsername: 'acme-1',
        allowedIps: ['192.0.2.0/24'],
        allowPlaintextAuth: false,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toMatchObject({
      name: 'Acme Facturatie BV',
      smtpUsername: 'acme-1',
      allowedIps: ['192.0.2.0/24'],
      allowPlaintextAuth: false,
      credentialsVersion: 1,
    });
    expect(res.body.smtp).toMatchObject({ username: 'acme-1', credentialsVersion: 1 });
    expect(res.text).not.toMatch(/hash|scrypt/i);
    const stored = await h.tenants.byId(res.body.tenant.id);
    expect(await verifyPassword(res.body.smtp.password, stored?.smtpPasswordHash ?? '')).toBe(true);
    const again = await h.call('GET', `/api/v1/tenants/${res.body.tenant.id}`, { token: admin });
    expect(again.text).not.toContain(res.body.smtp.password);
  });

  it('answers 409 for a user name already taken (any letter case)', async () => {
    await h.call('POST', '/api/v1/tenants', { token: admin, body: { name: 'One', smtpUsername: 'taken-name' } });
    const res = await h.call('POST', '/api/v1/tenants', {
      token: admin,
      body: { name: 'Two', smtpUsername: 'TAKEN-name' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('already taken') });
  });

  it.each<[string, unknown, string]>([
    ['an unknown field (no mass assignment)', { name: 'X', smtpPasswordHash: 'scrypt$...' }, 'body.smtpPasswordHash'],
    ['a field set by the server', { name: 'X', credentialsVersion: 7 }, 'body.credentialsVersion'],
    ['CRLF in the name', { name: 'Acme\r\nBcc: victim@example.com' }, 'body.name'],
    ['U+2028 in the name', { name: 'Acme\u2028X' }, 'body.name'],
    ['NUL in the name', { name: 'Acme\u0000' }, 'body.name'],
    ['a bad IP', { name: 'X', allowedIps: ['10.0.0.300'] }, 'body.allowedIps.0'],
    ['a bad user name', { name: 'X', smtpUsername: 'a b' }, 'body.smtpUsername'],
    ['a missing name', {}, 'body.name'],
    ['a wrong type', { name: 'X', allowPlaintextAuth: 'yes' }, 'body.allowPlaintextAuth'],
  ])('refuses %s with 400 naming the field', async (_why, body, field) => {
    const res = await h.call('POST', '/api/v1/tenants', { token: admin, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(Object.keys(res.body.fields)).toContain(field);
    expect(res.body.fields[field][0]).toEqual(expect.any(String));
  });

  it(
    'answers malformed JSON with 400, ' + 'a JSON array with 400 and a body over the limit with 413, all as JSON',
    async () => {
      const bad = await h.call('POST', '/api/v1/tenants', { token: admin, raw: '{"name": ' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'invalid_request', fields: { body: ['not valid JSON'] } });
      const arr = await h.call('POST', '/api/v1/tenants', { token: admin, raw: '[1]' });
      expect(arr.status).toBe(400);
      const big = await h.call('POST', '/api/v1/tenants', { token: admin, body: { name: 'x'.repeat(200 * 1024) } });
      expect(big.status).toBe(413);
      expect(big.body).toEqual({ error: 'payload_too_large' });
      expect(big.headers.get('content-type')).toContain('application/json');
    },
  );

  it('is for the admin only: a tenant token gets 403', async () => {
    const t = await h.tenant('Tenant Creator');
    const res = await h.call('POST', '/api/v1/tenants', { token: t.token, body: { name: 'Sneaky' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'forbidden' });
  });
});

describe('GET /api/v1/tenants', () => {
  it('pages in creation order with limit and after', async () => {
    for (const name of ['Page A', 'Page B', 'Page C'])
      await h.call('POST', '/api/v1/tenants', { token: admin, body: { name } });
    const all: Json[] = [];
    let after: string | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await h.call('GET', `/api/v1/tenants?limit=2${after ? `&after=${after}` : ''}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.tenants.length).toBeLessThanOrEqual(2);
      all.push(...res.body.tenants);
      after = res.body.next;
      if (!after) break;
    }
    const names = all.map((t) => t.name);
    expect(names.indexOf('Page A')).toBeLessThan(names.indexOf('Page B'));
    expect(names.indexOf('Page B')).toBeLessThan(names.indexOf('Page C'));
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    expect(JSON.stringify(all)).not.toMatch(/hash/i);
  });

  it('shows a tenant token only its own tenant, and refuses bad query values', async () => {
    const t = await h.tenant('Lonely');
    const res = await h.call('GET', '/api/v1/tenants', { token: t.token });
    expect(res.body.tenants.map((x: Json) => x.id)).toEqual([t.id]);
    expect((await h.call('GET', '/api/v1/tenants?limit=0', { token: admin })).body.fields).toHaveProperty([
      'query.limit',
    ]);
    expect((await h.call('GET', '/api/v1/tenants?limit=1&limit=2', { token: admin })).status).toBe(400);
    expect((await h.call('GET', '/api/v1/tenants?sort=name', { token: admin })).body.fields).toEqual({
      'query.sort': ['unknown field'],
    });
  });
});

describe('one tenant: GET, PATCH, DELETE', () => {
  it("reads and changes a tenant; another tenant's token gets 404 and changes nothing", async () => {
    const a = await h.tenant('Alpha');
    const b = await h.tenant('Beta');
    expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: a.token })).body.name).toBe('Alpha');
    const other = await h.call('GET', `/api/v1/tenants/${a.id}`, { token: b.token });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: 'not_found' });
    expect(other.text).not.toContain('Alpha');
    const patchOther = await h.call('PATCH', `/api/v1/tenants/${a.id}`, { token: b.token, body: { name: 'Pwned' } });
    expect(patchOther.status).toBe(404);
    expect((await h.tenants.byId(a.id))?.name).toBe('Alpha');

    const own = await h.call('PATCH', `/api/v1/tenants/${a.id}`, {
      token: a.token,
      body: { name: 'Alpha BV', allowPlaintextAuth: true },
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ name: 'Alpha BV', allowPlaintextAuth: true });
    const byAdmin = await h.call('PATCH', `/api/v1/tenants/${a.id}`, {
      token: admin,
      body: { allowedIps: ['10.1.0.0/16', '10.1.0.0/16'] },
    });
    expect(byAdmin.body).toMatchObject({ name: 'Alpha BV', allowedIps: ['10.1.0.0/16'] });
  });

  it("leaves allow-lists to the admin: a tenant could otherwise claim another tenant's client address", async () => {
    const a = await h.tenant('Allow A');
    const res = await h.call('PATCH', `/api/v1/tenants/${a.id}`, {
      token: a.token,
      body: { allowedIps: ['192.0.2.7'] },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'forbidden', message: expect.stringContaining('admin') });
    expect((await h.tenants.byId(a.id))?.allowedIps).toEqual([]);
  });

  it('refuses to PATCH fields that are not settings, and bad values', async () => {
    const a = await h.tenant('Gamma');
    for (const body of [{ smtpPasswordHash: 'x' }, { id: 'X' }, { credentialsVersion: 9 }, { smtpUsername: 'new' }]) {
      const res = await h.call('PATCH', `/api/v1/tenants/${a.id}`, { token: admin, body });
      expect(res.status).toBe(400);
      expect(res.body.fields[`body.${Object.keys(body)[0]}`]).toEqual(['unknown field']);
    }
    expect((await h.call('PATCH', `/api/v1/tenants/${a.id}`, { token: admin, body: { name: 'G\nH' } })).status).toBe(
      400,
    );
    expect(
      (await h.call('PATCH', `/api/v1/tenants/${a.id}`, { token: admin, body: { allowedIps: ['::1/129'] } })).body
        .fields,
    ).toHaveProperty(['body.allowedIps.0']);
    expect(
      (await h.call('PATCH', '/api/v1/tenants/not-an-id', { token: admin, body: { name: 'x' } })).body.fields,
    ).toHaveProperty(['params.id']);
    expect((await h.call('PATCH', `/api/v1/tenants/${NOPE}`, { token: admin, body: { name: 'x' } })).status).toBe(404);
  });

  it("refuses DELETE while mail is queued unless forced, then revokes the tenant's tokens", async () => {
    const a = await h.tenant('Delta');
    await h.enqueue(a.id);
    const refused = await h.call('DELETE', `/api/v1/tenants/${a.id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('1 message') });
    expect(await h.tenants.byId(a.id)).toBeDefined();
    const forced = await h.call('DELETE', `/api/v1/tenants/${a.id}?force=true`, { token: admin });
    expect(forced.status).toBe(204);
    expect(forced.text).toBe('');
    expect(await h.tenants.byId(a.id)).toBeUndefined();
    expect(await h.tokens.get(a.tokenId)).toBeUndefined();
    expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: a.token })).status).toBe(401);
    expect((await h.call('DELETE', `/api/v1/tenants/${a.id}`, { token: admin })).status).toBe(404);
  });

  it('lets no tenant token delete a tenant: 403 for its own, 404 for another', async () => {
    const a = await h.tenant('Epsilon');
    const b = await h.tenant('Zeta');
    expect((await h.call('DELETE', `/api/v1/tenants/${a.id}`, { token: a.token })).status).toBe(403);
    expect((await h.call('DELETE', `/api/v1/tenants/${a.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call('DELETE', `/api/v1/tenants/${NOPE}`, { token: b.token })).status).toBe(404);
    expect(await h.tenants.byId(a.id)).toBeDefined();
  });
});

describe('SMTP credentials', () => {
  it('shows the user name and hasPassword, never the password or its hash', async () => {
    const a = await h.tenant('Eta');
    const res = await h.call('GET', `/api/v1/tenants/${a.id}/smtp-credentials`, { token: a.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['credentialsVersion', 'hasPassword', 'updatedAt', 'username']);
    expect(res.body.hasPassword).toBe(true);
    expect(res.text).not.toContain(a.password);
  });

  it('rotates: the new password is shown once and matches, the old one no longer does', async () => {
    const a = await h.tenant('Theta');
    const b = await h.tenant('Iota');
    expect((await h.call('POST', `/api/v1/tenants/${a.id}/smtp-credentials/rotate`, { token: b.token })).status).toBe(
      404,
    );
    const res = await h.call('POST', `/api/v1/tenants/${a.id}/smtp-credentials/rotate`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ credentialsVersion: 2, password: expect.any(String) });
    const hash = (await h.tenants.byId(a.id))?.smtpPasswordHash ?? '';
    expect(await verifyPassword(res.body.password, hash)).toBe(true);
    expect(await verifyPassword(a.password, hash)).toBe(false);
    expect(
      (
        await h.call('POST', `/api/v1/tenants/${a.id}/smtp-credentials/rotate`, {
          token: admin,
          body: { password: 'mine' },
        })
      ).status,
    ).toBe(400);
  });
});

describe('API tokens of a tenant', () => {
  it('creates (shown once), lists without secrets, and revokes: the token then gets 401', async () => {
    const a = await h.tenant('Kappa');
    const made = await h.call('POST', `/api/v1/tenants/${a.id}/tokens`, { token: a.token, body: {} });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^pb_[0-9A-Z]{26}_/);
    const list = await h.call('GET', `/api/v1/tenants/${a.id}/tokens`, { token: admin });
    expect(list.body.tokens.map((t: Json) => t.id)).toEqual([a.tokenId, made.body.id]);
    expect(list.text).not.toContain(made.body.token.slice('pb_'.length + 27));
    expect(Object.keys(list.body.tokens[0]).sort()).toEqual(['createdAt', 'id', 'lastUsedAt']);
    expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: made.body.token })).status).toBe(200);
    const revoked = await h.call('DELETE', `/api/v1/tenants/${a.id}/tokens/${made.body.id}`, { token: a.token });
    expect(revoked.status).toBe(204);
    const after = await h.call('GET', `/api/v1/tenants/${a.id}`, { token: made.body.token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'unauthorized' });
  });

  it("answers 404 for another tenant's token, whichever path it is asked under", async () => {
    const a = await h.tenant('Lambda');
    const b = await h.tenant('Mu');
    expect((await h.call('DELETE', `/api/v1/tenants/${a.id}/tokens/${b.tokenId}`, { token: a.token })).status).toBe(
      404,
    );
    expect((await h.call('DELETE', `/api/v1/tenants/${b.id}/tokens/${b.tokenId}`, { token: a.token })).status).toBe(
      404,
    );
    expect((await h.call('GET', `/api/v1/tenants/${b.id}/tokens`, { token: a.token })).status).toBe(404);
    expect((await h.call('POST', `/api/v1/tenants/${b.id}/tokens`, { token: a.token, body: {} })).status).toBe(404);
    expect((await h.call('GET', `/api/v1/tenants/${b.id}`, { token: b.token })).status).toBe(200);
  });

  it('expires a token at expiresAt (401 after), and refuses an expiry in the past', async () => {
    const a = await h.tenant('Nu');
    const soon = Date.now() + 60_000;
    const made = await h.call('POST', `/api/v1/tenants/${a.id}/tokens`, { token: admin, body: { expiresAt: soon } });
    expect(made.body.expiresAt).toBe(soon);
    expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: made.body.token })).status).toBe(200);
    h.advance(61_000);
    try {
      expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: made.body.token })).status).toBe(401);
      expect((await h.call('GET', `/api/v1/tenants/${a.id}`, { token: a.token })).status).toBe(200);
    } finally {
      h.advance(-61_000);
    }
    const past = await h.call('POST', `/api/v1/tenants/${a.id}/tokens`, { token: admin, body: { expiresAt: 1000 } });
    expect(past.status).toBe(400);
    expect(past.body.fields).toHaveProperty(['body.expiresAt']);
  });
});

describe('authentication', () => {
  it.each<[string, Record<string, string>]>([
    ['no token', {}],
    [
      'a wrong token',
      { authorization: 'Bearer pb_01JD4T8X9M2C5V7B3N6K0QWERT_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
    ],
    ['garbage', { authorization: 'Bearer hunter2' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
  ])('answers %s with 401 JSON and a WWW-Authenticate header', async (_why, headers) => {
    const res = await fetch(`${h.base}/api/v1/tenants`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({ error: 'unauthorized' });
  });
});

describe('audit log', () => {
  it('records who changed which fields (names only), failed attempts too; tenants see their own entries', async () => {
    const a = await h.tenant('Xi');
    const b = await h.tenant('Omicron');
    await h.call('PATCH', `/api/v1/tenants/${a.id}`, {
      token: a.token,
      body: { name: 'Xi BV', allowPlaintextAuth: true },
    });
    const rotated = await h.call('POST', `/api/v1/tenants/${a.id}/smtp-credentials/rotate`, { token: admin });
    await h.call('PATCH', `/api/v1/tenants/${a.id}`, { token: b.token, body: { name: 'Pwned' } });

    const all = await h.call('GET', '/api/v1/audit?limit=10', { token: admin });
    expect(all.status).toBe(200);
    const [failed, rotate, patch] = all.body.entries;
    expect(failed).toMatchObject({
      actor: b.tokenId,
      method: 'PATCH',
      route: '/tenants/:id',
      targetId: a.id,
      status: 404,
      fieldsChanged: [],
      tenantId: b.id,
    });
    expect(rotate).toMatchObject({
      actor: 'admin',
      method: 'POST',
      route: '/tenants/:id/smtp-credentials/rotate',
      targetId: a.id,
      tenantId: a.id,
      fieldsChanged: ['smtpPassword'],
      status: 200,
    });
    expect(patch).toMatchObject({
      actor: a.tokenId,
      fieldsChanged: ['name', 'allowPlaintextAuth'],
      tenantId: a.id,
      status: 200,
    });
    expect(all.text).not.toContain(rotated.body.password);
    expect(all.text).not.toContain('Xi BV');

    const own = await h.call('GET', '/api/v1/audit', { token: a.token });
    expect(own.body.entries.length).toBeGreaterThanOrEqual(3);
    expect(own.body.entries.every((e: Json) => e.tenantId === a.id)).toBe(true);
    const others = await h.call('GET', '/api/v1/audit', { token: b.token });
    expect(others.body.entries.some((e: Json) => e.tenantId === a.id)).toBe(false);
  });
});
