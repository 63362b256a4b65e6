import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { ADMIN, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * Per-tenant limits over real sockets: the allow-listed tenant "Acme" gets low overrides from
 * the admin and hits each of them over SMTP; tenant "Other" (its own login and API token) keeps
 * sending, cannot raise its own limits, and cannot see Acme's.
 */
describe('per-tenant limits', () => {
  let sink: Sink;
  let gw: TestGateway;
  let other: { id: string; user: string; pass: string; token: string };

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token = ADMIN,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : JSON.parse(text) };
  }

  async function acmeSession(): Promise<RawSmtp> {
    const { client } = await RawSmtp.open(gw.gateway.smtpPort);
    expect((await client.command('EHLO acme.test')).code).toBe(250);
    return client;
  }

  async function sendRaw(client: RawSmtp, size = 200): Promise<string> {
    const mail = await client.command('MAIL FROM:<billing@acme.test>');
    if (mail.code !== 250) return mail.last;
    expect((await client.command('RCPT TO:<jan@customer.test>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    const body = `Subject: Factuur\r\n\r\n${'x'.repeat(size)}\r\n.\r\n`;
    client.write(body);
    return (await client.reply()).last;
  }

  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestGateway(
      sink.port,
      { platform: PLATFORM, smtp: { maxTransactionsPerSession: 5 } },
      { allowedIps: ['127.0.0.1'] },
      {
        POSTBODE_ADMIN_TOKEN: ADMIN,
        POSTBODE_SECRET_KEY: 'ab'.repeat(32),
      },
    );
    const created = await call('POST', '/tenants', { name: 'Other Facturatie BV' });
    const token = await call('POST', `/tenants/${created.body.tenant.id}/tokens`, {});
    other = {
      id: created.body.tenant.id,
      user: created.body.smtp.username,
      pass: created.body.smtp.password,
      token: token.body.token,
    };
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it(
    "lets the admin override a tenant's limits, shows them to that tenant, and refuses bad values naming the " +
      'field',
    async () => {
      const set = await call('PUT', `/tenants/${gw.tenantId}/limits`, {
        messagesPerHour: 2,
        recipientsPerMessage: 2,
        maxMessageSize: 2048,
        deliveryWeight: 3,
      });
      expect(set.status).toBe(200);
      expect(set.body.limits).toEqual({
        messagesPerHour: 2,
        messagesPerDay: 100_000,
        recipientsPerMessage: 2,
        maxMessageSize: 2048,
        deliveryWeight: 3,
      });
      expect(set.body.defaults).toMatchObject({ messagesPerHour: 10_000, recipientsPerMessage: 100 });
      const bad = await call('PUT', `/tenants/${gw.tenantId}/limits`, {
        messagesPerHour: -1,
        recipientsPerMessage: 'many',
        colour: 'red',
      });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.fields).sort()).toEqual(
        expect.arrayContaining(['body.messagesPerHour', 'body.recipientsPerMessage']),
      );
      const cleared = await call('PUT', `/tenants/${gw.tenantId}/limits`, { deliveryWeight: null });
      expect(cleared.body.overrides).toEqual({ messagesPerHour: 2, recipientsPerMessage: 2, maxMessageSize: 2048 });
      const doc = (await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(doc.paths['/tenants/{id}/limits'] ?? {}).sort()).toEqual(['get', 'put']);
    },
  );

  it("does not let a tenant raise its own limits or see another tenant's", async () => {
    const own = await call('GET', `/tenants/${other.id}/limits`, undefined, other.token);
    expect(own.status).toBe(200);
    expect(own.body.limits.messagesPerHour).toBe(10_000);
    expect((await call('PUT', `/tenants/${other.id}/limits`, { messagesPerHour: 1_000_000 }, other.token)).status).toBe(
      403,
    );
    expect((await call('GET', `/tenants/${gw.tenantId}/limits`, undefined, other.token)).status).toBe(404);
    expect((await call('PUT', `/tenants/${gw.tenantId}/limits`, { messagesPerHour: 1 }, other.token)).status).toBe(404);
    expect((await call('GET', `/tenants/${other.id}/limits`)).body.limits.messagesPerHour).toBe(10_000);
  });

  it('caps transactions per connection: the next MAIL gets 421 4.7.0 and the connection closes', async () => {
    const client = await acmeSession();
    for (let i = 0; i < 5; i++) {
      expect((await client.command('MAIL FROM:<billing@acme.test>')).code).toBe(250);
      expect((await client.command('RSET')).code).toBe(250);
    }
    const sixth = await client.command('MAIL FROM:<billing@acme.test>');
    expect(sixth.last).toMatch(/^421 4\.7\.0 Too many transactions in one session \(at most 5\)/);
    await client.closed;
  });

  it(
    "answers the tenant's recipient and size limits " + 'with 452 4.5.3 and 552 5.3.4 (SIZE= and end of DATA)',
    async () => {
      const client = await acmeSession();
      expect((await client.command('MAIL FROM:<billing@acme.test> SIZE=5000')).last).toBe(
        '552 5.3.4 Message too big (at most 2048 bytes)',
      );
      expect((await client.command('MAIL FROM:<billing@acme.test>')).code).toBe(250);
      expect((await client.command('RCPT TO:<a@customer.test>')).code).toBe(250);
      expect((await client.command('RCPT TO:<b@customer.test>')).code).toBe(250);
      expect((await client.command('RCPT TO:<c@customer.test>')).last).toBe(
        '452 4.5.3 Too many recipients (at most 2 per message)',
      );
      await client.command('RSET');
      expect(await sendRaw(client, 3000)).toBe('552 5.3.4 Message too big (at most 2048 bytes)');
      await client.command('QUIT');
    },
  );

  it(
    'refuses MAIL with 451 4.7.1 naming the hourly limit once it is reached, ' + 'while the other tenant keeps sending',
    async () => {
      const client = await acmeSession();
      expect(await sendRaw(client)).toMatch(/^250 2\.0\.0 Ok: queued as /);
      expect(await sendRaw(client)).toMatch(/^250 2\.0\.0 Ok: queued as /);
      expect(await sendRaw(client)).toBe('451 4.7.1 Tenant limit of 2 messages per hour reached, try again later');
      await client.command('QUIT');

      const otherClient = createTransport({
        host: '127.0.0.1',
        port: gw.gateway.smtpPort,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: other.user, pass: other.pass },
      });
      const info = await otherClient.sendMail({
        from: 'facturen@other.test',
        to: 'klant@customer.test',
        subject: 'Factuur',
        text: 'x',
      });
      expect(info.response).toMatch(/^250 /);

      const usage = (await call('GET', `/tenants/${gw.tenantId}/limits`)).body.usage;
      expect(usage).toMatchObject({ messagesLastHour: 2, messagesLastDay: 2 });
      expect(usage.limitHits).toEqual({ messagesPerHour: 1, recipientsPerMessage: 1, maxMessageSize: 2 });
      expect((await call('GET', `/tenants/${other.id}/limits`)).body.usage).toMatchObject({
        messagesLastHour: 1,
        limitHits: {},
      });
      const metrics = await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/postbode_tenant_limit_hits_total\{limit="messagesPerHour"\} 1/);
      expect(metrics).toMatch(/postbode_tenant_limit_hits_total\{limit="transactionsPerSession"\} 1/);
      expect(metrics).not.toContain(gw.tenantId);
    },
  );
});
