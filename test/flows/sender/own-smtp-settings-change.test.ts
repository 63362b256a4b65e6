import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_TEST_REPLY } from '../../../src/tenants/own-smtp-hold.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

interface Recipient {
  status: string;
  lastReply?: string;
}

/**
 * A tenant in own-SMTP mode changes its mailbox password: the mode stays, the settings need a
 * test, its mail waits (deferred, with the reason) and leaves through its own server as soon
 * as a test-send with the new settings passes. The retry delay is long, so only the release
 * can explain a prompt delivery. Real gateway, API and SMTP servers.
 */
describe('own-SMTP settings changed while in the mode', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  /** Read by the sink at each AUTH: the provider's current password. */
  const creds = { user: 'acme', pass: 'old-password' };
  let other: { id: string; token: string };

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink({ auth: creds });
    gw = await startSenderGateway(platform.port, {
      queue: { retry: { initialDelayMs: 30_000, maxDelayMs: 60_000, maxAgeMs: 600_000, jitter: 0 } },
    });
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const id = (made.body.tenant as { id: string }).id;
    const tok = await api(gw, 'POST', `/tenants/${id}/tokens`, {});
    other = { id, token: tok.body.token as string };
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  const path = (suffix = ''): string => `/tenants/${gw.tenantId}/sender${suffix}`;
  const smtp = (password: string) => ({
    host: '127.0.0.1',
    port: tenantServer.port,
    tls: 'opportunistic',
    allowPlaintextAuth: true,
    user: 'acme',
    password,
  });
  async function asOther(method: string, url: string, body?: unknown): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.text();
    return res.status;
  }
  async function recipientOf(id: string): Promise<Recipient> {
    const answer = await api(gw, 'GET', `/messages/${id}`);
    return (answer.body.message as { recipients: Recipient[] }).recipients[0]!;
  }

  it(
    'keeps the mode, needs a test, holds the mail with the reason, ' + 'and releases it after a passing test-send',
    async () => {
      expect(
        (await api(gw, 'PUT', path(), { smtp: smtp('old-password'), ownAddress: 'billing@acme.test' })).status,
      ).toBe(200);
      expect((await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' })).body.ok).toBe(true);
      const active = await api(gw, 'PUT', path(), { mode: 'own-smtp' });
      expect(active.status).toBe(200);
      expect(active.body.needsTest).toBeUndefined();

      creds.pass = 'new-password';
      const changed = await api(gw, 'PUT', path(), { smtp: smtp('new-password') });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ mode: 'own-smtp', needsTest: true, smtp: { hasPassword: true } });
      expect((await api(gw, 'GET', path())).body).toMatchObject({ mode: 'own-smtp', needsTest: true });

      const info = await legacyClient(gw).sendMail({
        from: 'billing@acme.test',
        to: 'jan@customer.test',
        subject: 'Factuur 9',
        text: 'x\n',
      });
      const id = queueIdOf(info.response);
      const held = await waitFor(
        async () => {
          const r = await recipientOf(id);
          return r.status === 'deferred' ? r : undefined;
        },
        8_000,
        'the held deferral',
      );
      expect(held.lastReply).toBe(replyLine(NEEDS_TEST_REPLY));

      // Another tenant can neither test nor change these settings, and its own passing test releases nothing here.
      expect(await asOther('POST', path('/test-send'), { to: 'check@other.test' })).toBe(404);
      expect(await asOther('PUT', path(), { smtp: smtp('x') })).toBe(404);
      expect(await asOther('PUT', `/tenants/${other.id}/sender`, { smtp: smtp('new-password') })).toBe(200);
      expect(await asOther('POST', `/tenants/${other.id}/sender/test-send`, { to: 'check@other.test' })).toBe(200);
      await expectNothingFor(
        500,
        () => !tenantServer.messages.some((m) => m.raw.includes(`id ${id}`)),
        'no release by the other tenant',
      );
      expect((await recipientOf(id)).status).toBe('deferred');
      expect(tenantServer.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);

      const test = await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' });
      expect(test.body).toMatchObject({ ok: true });
      const [got] = await arrived(tenantServer, id);
      expect(got!.envelope.from).toBe('billing@acme.test');
      expect((await api(gw, 'GET', path())).body.needsTest).toBeUndefined();
      expect(platform.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);
    },
  );

  it('a failed test-send keeps the mail held; switching into the mode untested is still refused', async () => {
    const changed = await api(gw, 'PUT', path(), { smtp: smtp('typo') });
    expect(changed.body).toMatchObject({ mode: 'own-smtp', needsTest: true });
    expect((await api(gw, 'POST', path('/test-send'), { to: 'check@acme.test' })).body).toMatchObject({ ok: false });
    expect((await api(gw, 'GET', path())).body.needsTest).toBe(true);
    expect((await api(gw, 'PUT', path(), { mode: 'forwarding' })).status).toBe(200);
    const refused = await api(gw, 'PUT', path(), { mode: 'own-smtp' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/test-send/);
  });
});
