import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';

/**
 * The own-SMTP test invoice at the tenant's own server looks like what the tenant's clients
 * will get: display name, language, layout, a sample PDF, and a subject that says "test".
 */
describe('own SMTP test invoice', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink({ auth: { user: 'acme', pass: 'right-password' } });
    gw = await startSenderGateway(platform.port);
    const saved = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      displayName: 'Acme Facturen',
      ownAddress: 'billing@acme.test',
      smtp: {
        host: '127.0.0.1',
        port: tenantServer.port,
        tls: 'opportunistic',
        allowPlaintextAuth: true,
        user: 'acme',
        password: 'right-password',
      },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), tenantServer.close()]);
  });

  async function testInvoice(to = 'check@acme.test'): Promise<ParsedMail> {
    const before = tenantServer.messages.length;
    const answer = await api(gw, 'POST', `/tenants/${gw.tenantId}/sender/test-send`, { to });
    expect(answer.body).toMatchObject({ ok: true, outcome: 'sent' });
    expect(tenantServer.messages.length).toBe(before + 1);
    return simpleParser(tenantServer.messages.at(-1)!.raw);
  }

  async function putContent(settings: Record<string, unknown>): Promise<void> {
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, settings)).status).toBe(200);
  }

  it('in Dutch with the default layout, the sender display name and a sample PDF', async () => {
    await putContent({ enabled: true, companyName: 'Acme Facturatie BV', layout: 'default' });
    const mail = await testInvoice();
    expect(mail.from?.value).toEqual([{ name: 'Acme Facturen', address: 'billing@acme.test' }]);
    expect(mail.subject).toBe('Testfactuur – Acme Facturatie BV');
    expect(mail.text).toContain('Dit is een testfactuur (TEST-0001)');
    expect(mail.html).toContain('<html lang="nl">');
    expect(mail.html).toContain('max-width:600px');
    expect(mail.html).toContain('Acme Facturatie BV');
    expect(mail.attachments).toHaveLength(1);
    const [pdf] = mail.attachments;
    expect(pdf!.contentType).toBe('application/pdf');
    expect(pdf!.filename).toBe('testfactuur.pdf');
    expect(pdf!.content.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(pdf!.content.length).toBeLessThan(1000);
  });

  it("in the tenant's language, with its custom layout or no layout", async () => {
    await putContent({
      enabled: true,
      defaultLanguage: 'en',
      companyName: 'Acme',
      layout: { custom: '<html><body><div class="brand">%company-name%</div>%content%</body></html>' },
    });
    const english = await testInvoice();
    expect(english.subject).toBe('Test invoice – Acme');
    expect(english.html).toMatch(/<div class="brand">Acme<\/div>\s*<p[^>]*>Hello,/);
    expect(english.attachments[0]!.filename).toBe('test-invoice.pdf');

    await putContent({
      enabled: true,
      defaultLanguage: 'nl',
      domainLanguages: { 'kantoor.test': 'fr' },
      companyName: 'Acme',
      layout: 'none',
    });
    const french = await testInvoice('patron@kantoor.test');
    expect(french.subject).toBe('Facture de test – Acme');
    expect(french.html).toBe(false);
    expect(french.attachments[0]!.contentType).toBe('application/pdf');
  });

  it('as plain Dutch text when content rendering is off (legacy mail then goes out as it came)', async () => {
    await putContent({ enabled: false, companyName: 'Acme', layout: 'default' });
    const mail = await testInvoice();
    expect(mail.subject).toBe('Testfactuur – Acme');
    expect(mail.html).toBe(false);
    expect(mail.attachments).toHaveLength(1);
  });

  it("another tenant cannot send a test invoice through this tenant's server", async () => {
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const otherId = (made.body.tenant as { id: string }).id;
    const token = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
    const before = tenantServer.messages.length;
    const answer = await fetch(
      `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/sender/test-send`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'x@other.test' }),
      },
    );
    expect([403, 404]).toContain(answer.status);
    expect(tenantServer.messages.length).toBe(before);
  });
});
