import { readFile } from 'node:fs/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { LONG_INVOICE_CONTENT } from '../../helpers/long-invoice.js';

/**
 * What the archive address gets, as the README's Sender modes section says: the client's
 * message. Without tracking the very bytes, in the client's transaction; with open tracking a
 * transaction of its own with the client's message minus the pixel: the backup carries no tracking request.
 */
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);
const PIXEL = /\/t\/([A-Za-z0-9_-]+)\.gif/g;

/** What a reader sees of a message, without the pixel. */
function seen(m: ParsedMail) {
  return {
    from: m.from?.text,
    to: m.to && !Array.isArray(m.to) ? m.to.text : undefined,
    replyTo: m.replyTo?.text,
    subject: m.subject,
    messageId: m.messageId,
    text: m.text,
    html: typeof m.html === 'string' ? m.html.replace(/<img src="[^"]*\/t\/[A-Za-z0-9_-]+\.gif"[^>]*>/, '') : undefined,
    attachments: m.attachments.map((a) => `${a.filename} ${a.contentType} ${a.checksum}`),
  };
}

describe('the archive copy', () => {
  let sink: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { archiveAddress: 'archive@backup.test' })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const send = async (): Promise<string> =>
    queueIdOf(
      (
        await legacyClient(gw).sendMail({
          envelope: { from: 'facturen@jansen.example', to: ['jan@klant.example'] },
          raw: await readFile(FIXTURE),
        })
      ).response,
    );

  it("without tracking: the bytes the client gets, in the client's transaction", async () => {
    const [got] = await arrived(sink, await send());
    expect([...got!.envelope.to].sort()).toEqual(['archive@backup.test', 'jan@klant.example']);
  });

  it("with open tracking: its own transaction with the client's message, without a pixel", async () => {
    expect(
      (
        await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
          enabled: true,
          openTracking: true,
          ...LONG_INVOICE_CONTENT,
        })
      ).status,
    ).toBe(200);
    const got = await arrived(sink, await send(), 2);
    const by = new Map(got.map((m) => [m.envelope.to.join(','), m]));
    expect([...by.keys()].sort()).toEqual(['archive@backup.test', 'jan@klant.example']);
    const [client, archive] = await Promise.all([
      simpleParser(by.get('jan@klant.example')!.raw),
      simpleParser(by.get('archive@backup.test')!.raw),
    ]);
    const tokens = [client, archive].map((m) => [...String(m.html).matchAll(PIXEL)].map((x) => x[1]));
    expect(tokens.map((t) => t.length)).toEqual([1, 0]);
    expect(seen(archive)).toEqual(seen(client));
  });

  it("tracking on but an invoice too short for a pixel: no pixel, the client's transaction again", async () => {
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled: true, openTracking: true })).status,
    ).toBe(200);
    const [got] = await arrived(sink, await send());
    expect([...got!.envelope.to].sort()).toEqual(['archive@backup.test', 'jan@klant.example']);
    expect(String((await simpleParser(got!.raw)).html)).not.toMatch(PIXEL);
  });
});
