import { connect, createServer, type Server } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { api, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { logRecipient } from '../../helpers/message-log.js';

/**
 * Outbound targets a tenant chooses (its own SMTP server) are checked, then pinned, over real
 * sockets and the real API. Every server here listens on 127.0.0.1: "inside" is loopback,
 * refused with the default empty `delivery.allowPrivateTargets` and allowed with 127.0.0.0/8.
 */

/** A TCP service that greets with a banner that must never reach the tenant. */
async function startBannerServer(banner: string): Promise<{ port: number; server: Server; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.on('error', () => undefined);
    socket.write(banner);
    setTimeout(() => socket.destroy(), 300).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server, connections: () => count };
}

/** Forwards each new connection to whichever port `target` names at that moment. */
async function startSwitch(target: { port: number }): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    const upstream = connect(target.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

async function tenantWithToken(gw: TestGateway, name: string): Promise<{ id: string; token: string }> {
  const made = await api(gw, 'POST', '/tenants', { name });
  const id = (made.body.tenant as { id: string }).id;
  const tok = await api(gw, 'POST', `/tenants/${id}/tokens`, {});
  return { id, token: tok.body.token as string };
}

async function asTenant(
  gw: TestGateway,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    retryAfter: res.headers.get('retry-after'),
  };
}

const server = (over: Record<string, unknown>) => ({
  tls: 'opportunistic',
  rejectUnauthorized: false,
  user: 'acme',
  password: 'secret-pw',
  ...over,
});

describe('egress: a tenant cannot reach inside the network (default: no private targets)', () => {
  let platform: Sink;
  let inside: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    platform = await startSink();
    inside = await startSink({ recordCommands: true });
    dns = await startDnsServer({ 'mail.inside.test': { A: ['127.0.0.1'] }, 'mail.tenmail.test': { A: ['10.0.0.1'] } });
    gw = await startSenderGateway(platform.port, {
      delivery: {
        connectTimeoutMs: 500,
        sendTimeoutMs: 1500,
        allowPrivateTargets: [],
        allowedTenantPorts: [25, 465, 587, 2525, '32768-65535'],
        testSendsPerWindow: 3,
        testSendWindowMs: 600_000,
        direct: { resolver: dns.address },
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), inside.close(), dns.close()]);
  });

  const senderPath = (id: string, suffix = ''): string => `/tenants/${id}/sender${suffix}`;

  it('refuses an inward address literal and a port outside the list when saved, naming the field', async () => {
    for (const host of [
      '127.0.0.1',
      '[127.0.0.1]',
      '[::ffff:127.0.0.1]',
      '[::1]',
      '[fd00:ec2::254]',
      '169.254.169.254',
      '10.1.2.3',
      '0.0.0.0',
    ]) {
      const answer = await api(gw, 'PUT', senderPath(gw.tenantId), { smtp: server({ host, port: 587 }) });
      expect(answer.status, host).toBe(400);
      expect(answer.body).toMatchObject({
        error: 'invalid_request',
        fields: { 'body.smtp.host': [expect.stringMatching(/^address not allowed/)] },
      });
    }
    const ssh = await api(gw, 'PUT', senderPath(gw.tenantId), { smtp: server({ host: 'mail.example.com', port: 22 }) });
    expect(ssh.status).toBe(400);
    expect(ssh.body).toMatchObject({ fields: { 'body.smtp.port': [expect.stringMatching(/port 22 is not allowed/)] } });
    expect(Object.keys(ssh.body.fields as object)).toEqual(['body.smtp.port']);
    expect((await api(gw, 'GET', senderPath(gw.tenantId))).body.smtp).toBeUndefined();
  });

  it('checks a name when connecting: one resolving inside is refused without a connection or a banner', async () => {
    expect(
      (await api(gw, 'PUT', senderPath(gw.tenantId), { smtp: server({ host: 'mail.inside.test', port: inside.port }) }))
        .status,
    ).toBe(200);
    const before = inside.stats.connections;
    const result = await api(gw, 'POST', senderPath(gw.tenantId, '/test-send'), { to: 'check@acme.test' });
    expect(result.body).toEqual({ ok: false, outcome: 'address-not-allowed', summary: 'refused: address not allowed' });
    expect(inside.stats.connections).toBe(before);
    expect((await api(gw, 'GET', senderPath(gw.tenantId))).body.lastTestSend).toMatchObject({
      ok: false,
      summary: 'refused: address not allowed',
    });
  });

  it('a second tenant with its own token cannot probe a private range through a name either', async () => {
    const b = await tenantWithToken(gw, 'Second Tenant BV');
    const put = await asTenant(gw, b.token, 'PUT', senderPath(b.id), {
      smtp: server({ host: 'mail.tenmail.test', port: inside.port }),
    });
    expect(put.status).toBe(200);
    const probe = await asTenant(gw, b.token, 'POST', senderPath(b.id, '/test-send'), { to: 'x@b.test' });
    expect(probe.body).toMatchObject({ ok: false, outcome: 'address-not-allowed' });
    expect(JSON.stringify(probe.body)).not.toContain('10.0.0.1');
  });

  it('limits test-sends per tenant (429 with Retry-After); another tenant keeps its own allowance', async () => {
    const c = await tenantWithToken(gw, 'Prober BV');
    const d = await tenantWithToken(gw, 'Honest BV');
    for (const t of [c, d]) {
      expect(
        (
          await asTenant(gw, t.token, 'PUT', senderPath(t.id), {
            smtp: server({ host: 'mail.inside.test', port: 587 }),
          })
        ).status,
      ).toBe(200);
    }
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await asTenant(gw, c.token, 'POST', senderPath(c.id, '/test-send'), { to: 'x@c.test' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(answers[3]!.retryAfter)).toBeGreaterThan(60);
    // the prober's limit is its own: the honest tenant is not locked out by it
    expect((await asTenant(gw, d.token, 'POST', senderPath(d.id, '/test-send'), { to: 'x@d.test' })).status).toBe(200);
  });
});

describe('egress: allowed ranges, pinning, classified outcomes and AUTH only over TLS', () => {
  let platform: Sink;
  let plainServer: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  const creds = { user: 'acme', pass: 'secret-pw' };

  beforeAll(async () => {
    platform = await startSink();
    plainServer = await startSink({ auth: creds, recordCommands: true }); // no STARTTLS offered
    dns = await startDnsServer({ 'mail.pinned.test': { A: ['127.0.0.1'] } });
    gw = await startSenderGateway(platform.port, {
      delivery: {
        connectTimeoutMs: 500,
        sendTimeoutMs: 1500,
        allowPrivateTargets: ['127.0.0.0/8'],
        direct: { resolver: dns.address },
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), plainServer.close(), dns.close()]);
  });

  const path = (suffix = ''): string => `/tenants/${gw.tenantId}/sender${suffix}`;
  const testSend = async (smtp: Record<string, unknown>) => {
    expect((await api(gw, 'PUT', path(), { smtp })).status).toBe(200);
    return (await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' })).body;
  };

  it('never sends the password to a server without TLS unless the tenant allowed it', async () => {
    const before = plainServer.commands.length;
    const withheld = await testSend(server({ host: '127.0.0.1', port: plainServer.port }));
    expect(withheld).toEqual({ ok: false, outcome: 'no-tls', summary: 'server offers no TLS; login not sent' });
    expect(plainServer.commands.slice(before).some((c) => /^AUTH/i.test(c))).toBe(false);
    expect(plainServer.commands.slice(before).some((c) => /^EHLO/i.test(c))).toBe(true);

    const allowed = await testSend(server({ host: '127.0.0.1', port: plainServer.port, allowPlaintextAuth: true }));
    expect(allowed).toEqual({ ok: true, outcome: 'sent', summary: 'sent' });
    expect((await api(gw, 'GET', path())).body.smtp).toMatchObject({ allowPlaintextAuth: true });
  });

  it('defers own-smtp mail instead of sending the password in clear when the server stops offering TLS', async () => {
    const pems = await generate([{ name: 'commonName', value: 'mail.acme.test' }], { keySize: 2048 });
    const tlsServer = await startSink({ auth: creds, tls: { key: pems.private, cert: pems.cert } });
    const target = { port: tlsServer.port };
    const sw = await startSwitch(target);
    try {
      expect(await testSend(server({ host: '127.0.0.1', port: sw.port }))).toMatchObject({ ok: true, outcome: 'sent' });
      // The mailbox's own address: own-SMTP mode sends as the linked mailbox, never as whatever From the package wrote.
      expect((await api(gw, 'PUT', path(), { mode: 'own-smtp', ownAddress: 'billing@acme.test' })).status).toBe(200);
      target.port = plainServer.port; // a downgrade: the next connection meets a server without STARTTLS
      await deferredWithoutAuth();
    } finally {
      sw.server.close();
      await tlsServer.close();
    }
    expect((await api(gw, 'PUT', path(), { mode: 'forwarding' })).status).toBe(200);
  });

  async function deferredWithoutAuth(): Promise<void> {
    const before = plainServer.commands.length;
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject: 'Factuur 9',
      text: 'x\n',
    });
    const id = queueIdOf(info.response);
    const recipient = await logRecipient(gw, id, (r) => r.status !== 'queued');
    expect(recipient.status).toBe('deferred');
    expect(recipient.lastReply).toMatch(/login not sent/);
    expect(plainServer.commands.slice(before).some((c) => /^AUTH/i.test(c))).toBe(false);
    const view = await waitFor(
      async () => (await api(gw, 'GET', path())).body.broken as { reason: string } | undefined,
    );
    expect(view.reason).toMatch(/offers no TLS/);
  }

  it('resolves a name once per connection and connects to the address it checked', async () => {
    const queries = () => dns.queries.filter((q) => q.startsWith('mail.pinned.test')).length;
    const before = queries();
    // .test names exist only in the test DNS server: the connection can only have gone to the checked IP
    const first = await testSend(
      server({ host: 'mail.pinned.test', port: plainServer.port, allowPlaintextAuth: true }),
    );
    expect(first).toMatchObject({ ok: true, outcome: 'sent' });
    expect(queries() - before).toBe(2); // one A and one AAAA question, no second lookup to connect
    // the same name now points at a range the operator did not allow: refused before any connection
    dns.set('mail.pinned.test', { A: ['192.168.7.7'] });
    const connections = plainServer.stats.connections;
    const second = await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' });
    expect(second.body).toEqual({ ok: false, outcome: 'address-not-allowed', summary: 'refused: address not allowed' });
    expect(plainServer.stats.connections).toBe(connections);
  });

  it('answers with a classified outcome, never the banner or reply text of whatever listens there', async () => {
    const ssh = await startBannerServer('SSH-2.0-OpenSSH_9.6 internal-build-host-42\r\n');
    const smtp554 = await startBannerServer('554 5.7.1 secret.corp.internal says go away\r\n');
    try {
      const a = await testSend(server({ host: '127.0.0.1', port: ssh.port }));
      expect(a).toEqual({ ok: false, outcome: 'failed', summary: 'sending failed' });
      const b = await testSend(server({ host: '127.0.0.1', port: smtp554.port }));
      expect(b).toEqual({ ok: false, outcome: 'refused', summary: 'connected, message refused (554)' });
      const stored = JSON.stringify((await api(gw, 'GET', path())).body);
      expect(stored).not.toMatch(/OpenSSH|internal|secret/);
    } finally {
      ssh.server.close();
      smtp554.server.close();
    }
  });
});
