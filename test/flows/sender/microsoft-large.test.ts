import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startFakeMicrosoft, THROTTLED, type FakeMailbox, type FakeMicrosoft } from '../../helpers/fake-microsoft.js';
import { msCallback, linkMailbox, startMicrosoftGateway, startMsLink } from '../../helpers/microsoft-harness.js';
import { API_POLL_MS, attempted, recipients } from '../../helpers/gmail-harness.js';
import { ADMIN, api, legacyClient, madeTenantClient, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Microsoft 365 mode, messages above Graph's 4 MiB request limit, through the real gateway and its
 * Graph client pointed at the fake: the draft made from the MIME without the PDF, the PDF uploaded
 * in chunks through an upload session, the draft sent. An upload that stalls or is throttled
 * defers and deletes the draft; a second tenant's large mail goes through its own mailbox only;
 * small mail still goes as one sendMail request. One gateway, tests in order.
 */
describe('large messages in Microsoft 365 mode', () => {
  let sink: Sink;
  let fake: FakeMicrosoft;
  let gw: TestGateway;
  const mailbox: FakeMailbox = {
    id: '7a2d3c0f-0000-4000-8000-0000000000a1',
    mail: 'owner@contoso.test',
    proxyAddresses: ['SMTP:owner@contoso.test'],
  };
  const other: FakeMailbox = {
    id: '7a2d3c0f-0000-4000-8000-0000000000b2',
    mail: 'info@fabrikam.test',
    proxyAddresses: ['SMTP:info@fabrikam.test'],
  };
  const pdf = (bytes: number): Buffer => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes - 9)]);
  const settled = (id: string, status: string) =>
    waitFor(
      async () => {
        const rs = await recipients(gw, id);
        return rs.length > 0 && rs.every((r) => r.status === status) ? rs : undefined;
      },
      8_000,
      `${status} ${id}`,
      API_POLL_MS,
    );
  const sentWith = (subject: string) =>
    waitFor(() => fake.sent.find((m) => m.raw.toString('latin1').includes(`Subject: ${subject}`)), 8_000, subject);
  const draftsWith = (subject: string) =>
    [...fake.drafts.values()].filter((d) => d.mime.toString('latin1').includes(`Subject: ${subject}`));

  async function sendInvoice(subject: string, file: Buffer, client = legacyClient(gw)): Promise<string> {
    try {
      const info = await client.sendMail({
        from: 'noreply@boekhoud.example',
        to: 'klant@example.test',
        subject,
        text: 'Geachte klant,\n\nIn de bijlage vindt u factuur 2026-042.\n',
        attachments: [{ filename: 'F2026-042.pdf', content: file, contentType: 'application/pdf' }],
      });
      return queueIdOf(info.response);
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeMicrosoft();
    gw = await startMicrosoftGateway(sink.port, fake, {}, { delivery: { sendTimeoutMs: 1_500 } });
    expect((await linkMailbox(gw, fake, mailbox)).status).toBe(200);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { mode: 'microsoft365' })).status).toBe(200);
  });
  afterAll(async () => {
    fake.unstall();
    await gw.stop();
    await Promise.all([sink.close(), fake.close()]);
  });

  it('sends a 6 MB PDF invoice as a draft plus an upload session, the PDF byte-identical', async () => {
    const file = pdf(6 * 1024 * 1024);
    const id = await sendInvoice('Factuur 2026-042', file);
    const [r] = await settled(id, 'delivered');
    expect(r?.lastReply).toBe('250 2.0.0 Microsoft 365 accepted the message');
    const sent = await sentWith('Factuur 2026-042');
    expect(sent.userId).toBe(mailbox.id);
    expect(sent.attachments).toHaveLength(1);
    const [attachment] = sent.attachments ?? [];
    expect(attachment).toMatchObject({ name: 'F2026-042.pdf', contentType: 'application/pdf', size: file.length });
    expect(attachment?.bytes.equals(file)).toBe(true);
    const draft = sent.raw.toString('latin1');
    expect(draft).toContain('In de bijlage vindt u factuur 2026-042.');
    expect(draft).not.toContain('F2026-042.pdf');
    expect(sent.raw.length).toBeLessThan(10_000);
    // Two chunks (3.75 MiB + the rest), no sendMail, no Authorization on the upload URL (the fake complains).
    expect(fake.count('uploadChunk')).toBe(2);
    expect(fake.count('sendMail')).toBe(0);
    expect(fake.requests.filter((q) => q.path.startsWith('/upload/')).every((q) => !q.authorization)).toBe(true);
    expect(fake.complaints).toEqual([]);
  });

  it('defers within the send timeout when an upload stalls, and deletes the draft', async () => {
    fake.stallUploads();
    const started = Date.now();
    const id = await sendInvoice('Stilstand', pdf(3_500_000));
    const [r] = await attempted(gw, id);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(/^451 4\.4\.1 Microsoft 365 not reachable: timeout/);
    expect(Date.now() - started).toBeLessThan(6_000);
    const first = await waitFor(() => draftsWith('Stilstand').find((d) => d.deleted), 3_000, 'draft deleted');
    expect(first.sent).toBe(false);
    fake.unstall();
    await settled(id, 'delivered'); // the next attempt, with a new draft
    const drafts = draftsWith('Stilstand');
    expect(drafts.filter((d) => d.sent).length).toBe(1);
    expect(drafts.filter((d) => !d.sent).every((d) => d.deleted)).toBe(true);
  });

  it('defers on a 429 for a chunk with Retry-After, deletes that draft and then delivers', async () => {
    fake.failNext('uploadChunk', THROTTLED(1));
    const file = pdf(3_500_000);
    const before = Date.now();
    const id = await sendInvoice('Afgeremd', file);
    const rs = await settled(id, 'delivered');
    expect(rs[0]?.history[0]?.reply).toMatch(
      /^451 4\.3\.0 Microsoft Graph answered 429 ApplicationThrottled.*retry after 1 s/,
    );
    expect(Date.now() - before).toBeGreaterThanOrEqual(1_000);
    const drafts = draftsWith('Afgeremd');
    expect(drafts.map((d) => [d.deleted, d.sent])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect((await sentWith('Afgeremd')).attachments?.[0]?.bytes.equals(file)).toBe(true);
  });

  it("sends a second tenant's large mail through its own mailbox only, never touching the first's drafts", async () => {
    const made = await api(gw, 'POST', '/tenants', { name: 'Fabrikam BV' });
    const tenantB = (made.body.tenant as { id: string }).id;
    const started = await startMsLink(gw, {}, ADMIN, tenantB);
    const code = fake.issueCode(other, started.consent);
    const linked = await msCallback(gw, { code, state: started.consent.get('state') ?? '' }, started.cookie);
    expect(linked.status).toBe(200);
    expect((await api(gw, 'PUT', `/tenants/${tenantB}/sender`, { mode: 'microsoft365' })).status).toBe(200);
    const [idA, idB] = await Promise.all([
      sendInvoice('Van A', pdf(3_500_000)),
      sendInvoice('Van B', pdf(3_500_000), madeTenantClient(gw, made)),
    ]);
    await Promise.all([settled(idA, 'delivered'), settled(idB, 'delivered')]);
    expect((await sentWith('Van A')).userId).toBe(mailbox.id);
    expect((await sentWith('Van B')).userId).toBe(other.id);
    // Every call about a draft names the user the draft belongs to (the fake also complains otherwise).
    for (const q of fake.requests) {
      const m = /^\/v1\.0\/users\/([^/]+)\/messages\/([^/]+)/.exec(q.path);
      if (m) expect(decodeURIComponent(m[1] ?? '')).toBe(fake.drafts.get(decodeURIComponent(m[2] ?? ''))?.userId);
    }
    expect(draftsWith('Van B').map((d) => d.userId)).toEqual([other.id]);
    expect(fake.complaints).toEqual([]);
  });

  it('still sends small mail as one sendMail request, the body as rendered', async () => {
    const drafts = fake.count('createDraft');
    const body = 'Geachte klant,\r\n\r\nZie de factuur in uw portaal.\r\n';
    const client = legacyClient(gw);
    const info = await client.sendMail({
      envelope: { from: 'noreply@boekhoud.example', to: ['klant@example.test'] },
      raw: Buffer.from(
        'From: <noreply@boekhoud.example>\r\nTo: klant@example.test\r\nSubject: Klein\r\n' +
          `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
      ),
    });
    client.close();
    await settled(queueIdOf(info.response), 'delivered');
    const sent = await sentWith('Klein');
    const text = sent.raw.toString('latin1');
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(body);
    expect(sent.draftId).toBeUndefined();
    expect(fake.count('sendMail')).toBe(1);
    expect(fake.count('createDraft')).toBe(drafts);
  });
});
