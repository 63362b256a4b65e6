import { createServer, type Server } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { logRecipient } from '../../helpers/message-log.js';

/** A TCP server that accepts and never says anything (the test-send must time out). */
async function startStaller(): Promise<{ port: number; server: Server }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

async function closedPort(): Promise<number> {
  const { port, server } = await startStaller();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('own SMTP server mode end to end', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  let pems: { private: string; cert: string };
  /** Mutable: the sink reads it at each AUTH, so a test can "change the password at the tenant's server". */
  const creds = { user: 'acme', pass: 'right-password' };

  beforeAll(async () => {
    pems = await generate([{ name: 'commonName', value: 'mail.acme.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    platform = await startSink();
    tenantServer = await startSink({ auth: creds, tls: { key: pems.private, cert: pems.cert } });
    gw = await startSenderGateway(platform.port, { delivery: { connectTimeoutMs: 400, sendTimeoutMs: 1500 } });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), tenantServer.close()]);
  });

  const sender = `/tenants/${'{id}'}/sender`;
  const path = (suffix = ''): string => sender.replace('{id}', gw.tenantId) + suffix;
  const smtp = (over: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: tenantServer.port,
    tls: 'starttls',
    rejectUnauthorized: false,
    user: 'acme',
    password: 'right-password',
    ...over,
  });

  async function testSendWith(
    over: Record<string, unknown>,
  ): Promise<{ ok: boolean; outcome: string; summary: string }> {
    const saved = await api(gw, 'PUT', path(), { mode: 'forwarding', smtp: smtp(over) });
    expect(saved.status).toBe(200);
    const answer = await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' });
    expect(answer.status).toBe(200);
    return answer.body as { ok: boolean; outcome: string; summary: string };
  }

  it('refuses activation before a successful test-send and never shows the password', async () => {
    await api(gw, 'PUT', path(), { smtp: smtp() });
    const refused = await api(gw, 'PUT', path(), { mode: 'own-smtp' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/test-send/);
    const view = await api(gw, 'GET', path());
    expect(view.body).toMatchObject({ mode: 'forwarding', smtp: { host: '127.0.0.1', hasPassword: true } });
    expect(JSON.stringify(view.body)).not.toContain('right-password');
  });

  it('test-send names each failure in plain words', async () => {
    expect(await testSendWith({ password: 'wrong' })).toMatchObject({
      ok: false,
      outcome: 'auth-failed',
      summary: 'connected, TLS ok, login refused',
    });
    expect(await testSendWith({ rejectUnauthorized: true })).toMatchObject({
      ok: false,
      outcome: 'tls-failed',
      summary: expect.stringMatching(/certificate/),
    });
    expect(await testSendWith({ port: await closedPort() })).toMatchObject({
      ok: false,
      outcome: 'connection-refused',
      summary: 'connection refused',
    });
    const staller = await startStaller();
    try {
      expect(await testSendWith({ port: staller.port })).toMatchObject({
        ok: false,
        outcome: 'timed-out',
        summary: 'timed out',
      });
    } finally {
      staller.server.close();
    }
    expect(await testSendWith({ host: 'smtp.nowhere.invalid' })).toMatchObject({
      ok: false,
      outcome: 'host-not-found',
      summary: 'host not found',
    });
    const view = await api(gw, 'GET', path());
    expect(view.body.lastTestSend).toMatchObject({ ok: false, current: true });
    expect((await api(gw, 'PUT', path(), { mode: 'own-smtp' })).status).toBe(409);
  });

  it("after a good test-send it activates; mail leaves through the tenant server as the tenant's mailbox", async () => {
    const result = await testSendWith({});
    expect(result).toMatchObject({ ok: true, outcome: 'sent', summary: 'sent' });
    expect(tenantServer.messages.at(-1)!.envelope.to).toEqual(['check@acme.test']);
    // The mailbox at that server: without one (and a login that is no address) the legacy From would
    // leave as written, and then it must be on a domain the tenant verified (sender-guard.test.ts).
    const activated = await api(gw, 'PUT', path(), { mode: 'own-smtp', ownAddress: 'billing@acme.test' });
    expect(activated.status).toBe(200);

    const info = await legacyClient(gw).sendMail({
      from: '"Acme" <billing@acme.test>',
      to: 'jan@customer.test',
      bcc: 'b@acme.test',
      subject: 'Factuur 7',
      text: 'x\n',
    });
    const id = queueIdOf(info.response);
    const [got] = await arrived(tenantServer, id);
    expect(got!.secure).toBe(true);
    expect(got!.envelope.from).toBe('billing@acme.test');
    expect([...got!.envelope.to].sort()).toEqual(['b@acme.test', 'jan@customer.test']);
    expect(headerOf(got!.raw, 'From')).toEqual(['"Acme Facturatie BV" <billing@acme.test>']);
    expect(headerOf(got!.raw, 'Bcc')).toEqual([]);
    expect(platform.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);
  });

  it('a 535 from the tenant server defers the mail and flags the settings broken instead of bouncing', async () => {
    // Fresh settings (another port on the same server is not possible; change the user name) so no pooled session is
    // reused.
    creds.user = 'acme2';
    creds.pass = 'second';
    await testSendWith({ user: 'acme2', password: 'second' });
    expect((await api(gw, 'PUT', path(), { mode: 'own-smtp' })).status).toBe(200);
    creds.pass = 'changed-at-the-provider';

    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject: 'Factuur 8',
      text: 'x\n',
    });
    const id = queueIdOf(info.response);
    const recipient = await logRecipient(gw, id, (r) => r.status !== 'queued');
    expect(recipient.status).toBe('deferred');
    expect(recipient.lastReply).toMatch(/535/);
    const view = await waitFor(async () => {
      const answer = await api(gw, 'GET', path());
      return answer.body.broken ? answer.body : undefined;
    });
    expect((view.broken as { reason: string }).reason).toMatch(/refused our login/);
  });
});
