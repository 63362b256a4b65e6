import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsPlatform } from '../../../src/admin/cli/dns-commands.js';
import { verifyMessage } from '../../../src/mailauth/verify.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, arrived, headerOf, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * What clients see of the legacy machine: the office PC's name and address in our Received:
 * line and the package's own From in X-Postbode-Original-From. By default neither leaves (the
 * message log keeps both); privacy.keepClientTrace: true lets both leave.
 */
const PC = 'KANTOOR-PC-07.boekhouding.local';
/** The PC's name as the Received: line writes it (smtp-server lower-cases the EHLO name). */
const PC_SEEN = PC.toLowerCase();
const OWN = 'billing@acme.test';

interface Sender {
  readonly user: string;
  readonly pass: string;
  readonly tenantId: string;
}

async function send(gw: TestGateway, who: Sender, from: string): Promise<string> {
  const client = createTransport({
    host: '127.0.0.1',
    port: gw.gateway.smtpPort,
    name: PC,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: who.user, pass: who.pass },
  });
  const info = await client.sendMail({
    from,
    to: 'jan@klant.test',
    subject: 'Factuur 2026-0042',
    text: 'Zie bijlage.',
  });
  client.close();
  return queueIdOf(info.response);
}

/** A second tenant with its own SMTP login, keepOriginalFrom on and an own address of its own. */
async function secondTenant(gw: TestGateway): Promise<Sender> {
  const made = (await api(gw, 'POST', '/tenants', { name: 'Tweede BV' })).body as {
    tenant: { id: string; smtpUsername: string };
    smtp: { password: string };
  };
  expect(
    (
      await api(gw, 'PUT', `/tenants/${made.tenant.id}/sender`, {
        ownAddress: 'facturen@tweede.test',
        keepOriginalFrom: true,
      })
    ).status,
  ).toBe(200);
  return { user: made.tenant.smtpUsername, pass: made.smtp.password, tenantId: made.tenant.id };
}

async function tenantToken(gw: TestGateway, tenantId: string): Promise<string> {
  return String((await api(gw, 'POST', `/tenants/${tenantId}/tokens`, {})).body.token);
}

async function loggedHeaders(gw: TestGateway, id: string, token = ADMIN): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/messages/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return String(((await res.json()) as { headers?: string }).headers);
}

describe('client trace: what leaves of the legacy machine', () => {
  let sink: Sink;
  let plain: TestGateway;
  let keeping: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    [plain, keeping] = await Promise.all([
      startSenderGateway(sink.port),
      startSenderGateway(sink.port, { privacy: { keepClientTrace: true } }),
    ]);
    // The package writes the tenant's own address as From: only then is X-Postbode-Original-From ever added.
    for (const gw of [plain, keeping])
      expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { ownAddress: OWN })).status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), keeping?.stop()]);
    await sink?.close();
  });

  it(
    'by default: neither the PC nor the package From leaves, the hop and queue id do, the signature covers what ' +
      'leaves',
    async () => {
      const id = await send(plain, plain, `Boekhouding <${OWN}>`);
      const [got] = await arrived(sink, id);
      const raw = got!.raw.toString('latin1');
      expect(headerOf(got!.raw, 'X-Postbode-Original-From')).toEqual([]);
      expect(raw.toLowerCase()).not.toContain('kantoor-pc');
      expect(raw).not.toContain('127.0.0.1');
      const received = headerOf(got!.raw, 'Received');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(new RegExp(`^by gw\\.postbode\\.test \\(Postbode\\) with ESMTPSA id ${id}`));
      // The platform's DKIM signature verifies over the bytes the client got.
      const records = await dnsPlatform(plain.config, { POSTBODE_SECRET_KEY: 'ab'.repeat(32) });
      const txt = /DKIM {3}(\S+) {2}TXT\n {7}(.+)/.exec(records);
      const resolver = async (name: string): Promise<string[][]> =>
        name === txt?.[1] ? [[...(txt[2] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '')] : [];
      expect((await verifyMessage(got!.raw, resolver)).map((r) => r.status)).toEqual(['pass']);
      // The message log keeps both: the PC in the stored Received: line, the package's From.
      const logged = await loggedHeaders(plain, id, await tenantToken(plain, plain.tenantId));
      expect(logged).toContain(`Received: from ${PC_SEEN} ([127.0.0.1])`);
      expect(logged).toMatch(/^From: Boekhouding <billing@acme\.test>$/m);
    },
  );

  it('a tenant cannot turn it back on: its keepOriginalFrom is gated by the gateway', async () => {
    const other = await secondTenant(plain);
    const id = await send(plain, other, 'Facturen <facturen@tweede.test>');
    const [got] = await arrived(sink, id);
    expect(headerOf(got!.raw, 'X-Postbode-Original-From')).toEqual([]);
    expect(got!.raw.toString('latin1').toLowerCase()).not.toContain('kantoor-pc');
    expect((await api(plain, 'GET', `/tenants/${other.tenantId}/sender`)).body.keepOriginalFrom).toBe(true);
  });

  it('with privacy.keepClientTrace: both leave, and only for a tenant that keeps its original From', async () => {
    const id = await send(keeping, keeping, `Boekhouding <${OWN}>`);
    const [got] = await arrived(sink, id);
    expect(headerOf(got!.raw, 'X-Postbode-Original-From')).toEqual([`Boekhouding <${OWN}>`]);
    expect(headerOf(got!.raw, 'Received')[0]).toMatch(
      new RegExp(`^from ${PC_SEEN.replace(/\./g, '\\.')} \\(\\[127\\.0\\.0\\.1\\]\\)\\s+by gw\\.postbode\\.test`),
    );
    expect((await api(keeping, 'PUT', `/tenants/${keeping.tenantId}/sender`, { keepOriginalFrom: false })).status).toBe(
      200,
    );
    const second = await send(keeping, keeping, `Boekhouding <${OWN}>`);
    const [without] = await arrived(sink, second);
    expect(headerOf(without!.raw, 'X-Postbode-Original-From')).toEqual([]);
    expect((await api(keeping, 'GET', '/capabilities')).body.keepClientTrace).toBe(true);
  });
});
