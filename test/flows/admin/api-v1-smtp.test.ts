import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';

/**
 * A change made over HTTP takes effect on the next SMTP transaction, without a restart:
 * the whole gateway in this process, its Config API on its HTTP port, a raw SMTP client.
 */
const ADMIN = 'smtp-test-admin-token-0123456789-abcdefghijklmnop';

let dir: string;
let gateway: Gateway;
let api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, any> }>;

const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');

async function login(user: string, pass: string): Promise<string> {
  const { client } = await RawSmtp.open(gateway.smtpPort);
  try {
    await client.expect('EHLO client.test', 250);
    return (await client.command(`AUTH PLAIN ${plain(user, pass)}`)).last;
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-api-smtp-'));
  // Capture mode: nothing leaves the machine. The auth cache is on, as in production.
  // A listener marked plaintext-allowed (the tenant's own flag then decides about AUTH in the clear), and a
  // plain relay (no platform domain, any From): what these tests check is not sender ownership.
  const config = testConfig(dir, 1, {
    delivery: { mode: 'capture' },
    smtp: { allowPlaintextAuth: true, requireVerifiedSender: false },
  });
  gateway = await startGateway(config, pino({ level: 'silent' }), systemClock, { POSTBODE_ADMIN_TOKEN: ADMIN });
  api = async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, any>) };
  };
});

afterAll(async () => {
  await gateway?.stop(2000);
  await rm(dir, { recursive: true, force: true });
});

describe('Config API changes reach SMTP at once', () => {
  it(
    'a tenant made over HTTP logs in; plaintext AUTH follows the flag; ' + 'a rotated password replaces the old one',
    async () => {
      const made = await api('POST', '/tenants', { name: 'Acme Facturatie BV', smtpUsername: 'acme-live' });
      expect(made.status).toBe(201);
      const id: string = made.body.tenant.id;
      const first: string = made.body.smtp.password;
      expect(await login('acme-live', first)).toMatch(/^538 5\.7\.11 /);

      expect((await api('PATCH', `/tenants/${id}`, { allowPlaintextAuth: true })).status).toBe(200);
      expect(await login('acme-live', first)).toMatch(/^235 /); // now cached by the gateway, too

      const rotated = await api('POST', `/tenants/${id}/smtp-credentials/rotate`);
      expect(rotated.status).toBe(200);
      expect(await login('acme-live', first)).toMatch(/^535 5\.7\.8 /);
      expect(await login('acme-live', rotated.body.password)).toMatch(/^235 /);

      const removed = await api('DELETE', `/tenants/${id}/smtp-credentials`);
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ username: 'acme-live', hasPassword: false });
      expect(await login('acme-live', rotated.body.password)).toMatch(/^535 5\.7\.8 /);
      const again = await api('POST', `/tenants/${id}/smtp-credentials/rotate`);
      expect(await login('acme-live', again.body.password)).toMatch(/^235 /);
    },
  );

  it('an address added to the allow-list over HTTP sends without AUTH on the next connection', async () => {
    const made = await api('POST', '/tenants', { name: 'Legacy Boekhouding' });
    const id: string = made.body.tenant.id;
    const before = await RawSmtp.open(gateway.smtpPort);
    try {
      await before.client.expect('EHLO legacy.test', 250);
      expect((await before.client.command('MAIL FROM:<facturen@legacy.test>')).last).toMatch(/^530 5\.7\.0 /);
    } finally {
      before.client.close();
    }

    expect((await api('PATCH', `/tenants/${id}`, { allowedIps: ['127.0.0.1'] })).status).toBe(200);
    const after = await RawSmtp.open(gateway.smtpPort);
    let queuedId: string;
    try {
      const reply = await after.client.send(
        'facturen@legacy.test',
        ['klant@example.com'],
        'Subject: Factuur 7\r\n\r\nHallo\r\n',
        'legacy.test',
      );
      expect(reply.last).toMatch(/^250 2\.0\.0 Ok: queued as /);
      queuedId = reply.last.split(' ').pop() ?? '';
    } finally {
      after.client.close();
    }
    const msg = await api('GET', `/messages/${queuedId}`);
    expect(msg.status).toBe(200);
    expect(msg.body.message).toMatchObject({ id: queuedId, tenantId: id });

    expect((await api('PATCH', `/tenants/${id}`, { allowedIps: [] })).status).toBe(200);
    const removed = await RawSmtp.open(gateway.smtpPort);
    try {
      await removed.client.expect('EHLO legacy.test', 250);
      expect((await removed.client.command('MAIL FROM:<facturen@legacy.test>')).last).toMatch(/^530 /);
    } finally {
      removed.client.close();
    }
  });

  it(
    "requireTls set over HTTP refuses the tenant's plaintext mail with 530 5.7.0 at once; another tenant " +
      'cannot change it',
    async () => {
      const made = await api('POST', '/tenants', { name: 'Scanner BV', allowedIps: ['127.0.0.2'], requireTls: true });
      expect(made.status).toBe(201);
      expect(made.body.tenant).toMatchObject({ requireTls: true });
      const id: string = made.body.tenant.id;
      const mailFrom = async (tls: boolean): Promise<string> => {
        const { client } = await RawSmtp.open(gateway.smtpPort, { localAddress: '127.0.0.2' });
        try {
          await client.expect('EHLO scanner.test', 250);
          if (tls) {
            await client.startTls();
            await client.expect('EHLO scanner.test', 250);
          }
          return (await client.command('MAIL FROM:<scan@scanner.test>')).last;
        } finally {
          client.close();
        }
      };
      expect(await mailFrom(false)).toBe('530 5.7.0 Must issue a STARTTLS command first');
      expect(await mailFrom(true)).toMatch(/^250 /);

      const other = await api('POST', '/tenants', { name: 'Other BV' });
      const token = await api('POST', `/tenants/${other.body.tenant.id}/tokens`, {});
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1/tenants/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requireTls: false }),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await mailFrom(false)).toMatch(/^530 5\.7\.0 /);

      const ownToken = await api('POST', `/tenants/${id}/tokens`, {});
      const own = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1/tenants/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ownToken.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requireTls: false }),
      });
      expect(own.status).toBe(403);
      expect(await own.json()).toMatchObject({ error: expect.anything() });
      expect((await api('PATCH', `/tenants/${id}`, { requireTls: false })).body).toMatchObject({ requireTls: false });
      expect(await mailFrom(false)).toMatch(/^250 /);
    },
  );
});
