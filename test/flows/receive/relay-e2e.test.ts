import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('legacy client → Postbode → receiving server', () => {
  let sink: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    // A plain relay (no platform domain, any From): what these tests check is not sender ownership
    // (test/flows/sender/sender-guard.test.ts).
    gw = await startTestGateway(sink.port, { smtp: { requireVerifiedSender: false } });
  });
  afterAll(async () => {
    await gw.stop();
    await sink.close();
  });

  const client = (auth = true) =>
    createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: auth,
      ignoreTLS: !auth,
      tls: { rejectUnauthorized: false },
      ...(auth ? { auth: { user: gw.user, pass: gw.pass } } : {}),
    });

  it('relays an invoice with its attachment byte for byte, adding only trace headers', async () => {
    const pdf = Buffer.alloc(60_000, 7);
    const info = await client().sendMail({
      from: '"Acme Facturatie" <billing@acme.test>',
      to: 'Jan Jansen <jan@customer.test>',
      bcc: 'archive@acme.test',
      subject: 'Factuur 2024-0012',
      text: 'Beste Jan,\n\nIn de bijlage vindt u factuur 2024-0012.\n',
      attachments: [{ filename: 'factuur-2024-0012.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]{26}$/);
    const id = /queued as (\S+)/.exec(info.response)?.[1] ?? '';
    const got = await waitFor(() => sink.messages.find((m) => m.raw.includes(`id ${id}`)));
    expect(got.envelope.from).toBe('billing@acme.test');
    expect([...got.envelope.to].sort()).toEqual(['archive@acme.test', 'jan@customer.test']);
    const raw = got.raw.toString('latin1');
    // Our hop, without the client's name and address (privacy.keepClientTrace is off by default).
    expect(raw).toMatch(/^Received: by gw\.postbode\.test \(Postbode\) with ESMTPSA id [0-9A-Z]{26}/);
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(raw).toContain('Subject: Factuur 2024-0012');
    expect(raw).toContain(pdf.toString('base64').slice(0, 76));
    expect(raw).not.toMatch(/[^\r]\n/); // only CRLF line endings leave
  });

  it('is not an open relay: no AUTH and no allow-listed address gets 530 at MAIL FROM', async () => {
    await expect(
      client(false).sendMail({ from: 'x@evil.test', to: 'victim@customer.test', text: 'spam' }),
    ).rejects.toMatchObject({ responseCode: 530 });
  });

  it('rejects a wrong password with 535 5.7.8', async () => {
    const bad = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: gw.user, pass: 'not-the-password' },
    });
    await expect(bad.sendMail({ from: 'a@acme.test', to: 'b@customer.test', text: 'x' })).rejects.toMatchObject({
      responseCode: 535,
      response: expect.stringContaining('5.7.8'),
    });
  });

  it('exposes health and Prometheus metrics with the accepted count', async () => {
    const health = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { store: unknown }).store).toEqual({ backend: 'lmdb' });
    const metrics = await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/postbode_messages_accepted_total [1-9]/);
    expect(metrics).toMatch(/postbode_messages_rejected_total\{reason="[a-z_-]+"\} [1-9]/);
  });
});
