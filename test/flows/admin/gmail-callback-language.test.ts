import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startFakeGoogle, type FakeGoogle } from '../../helpers/fake-google.js';
import { startGmailGateway, startLink } from '../../helpers/gmail-harness.js';

/**
 * The page a tenant's browser lands on after Google's consent screen speaks the browser's
 * language: the browser comes from Google, so Accept-Language is all there is to go by.
 */
describe('Gmail callback page in nl and en', () => {
  let sink: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;

  async function callback(query: Record<string, string>, lang: string, cookie?: string) {
    const res = await fetch(
      `http://127.0.0.1:${gw.gateway.httpPort}/oauth/google/callback?${new URLSearchParams(query).toString()}`,
      {
        headers: { 'accept-language': lang, ...(cookie === undefined ? {} : { cookie }) },
      },
    );
    return { status: res.status, lang: res.headers.get('content-language'), html: await res.text() };
  }

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeGoogle();
    gw = await startGmailGateway(sink.port, fake);
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([sink?.close(), fake?.close()]);
  });

  it("a refused consent, a direct visit and another browser's flow answer in Dutch for a Dutch browser", async () => {
    const denied = await callback({ error: 'access_denied', state: 'x' }, 'nl-NL,nl;q=0.9');
    expect(denied).toMatchObject({ status: 400, lang: 'nl' });
    expect(denied.html).toContain('<html lang="nl">');
    expect(denied.html).toContain('<h1>Gmail niet gekoppeld</h1>');
    expect(denied.html).toContain('Google meldt dat er geen toegang is gegeven.');
    const direct = await callback({ state: 'x' }, 'nl');
    expect(direct.html).toContain('Dit adres opent Google pas nadat u toegang hebt gegeven.');
    // Another browser's cookie (or none that fits): the same refusal whoever tries, in the visitor's language.
    const other = await callback({ code: 'c', state: 'not-a-state' }, 'nl', (await startLink(gw)).cookie);
    expect(other.status).toBe(400);
    expect(other.html).toContain('deze koppeling is in een andere browser gestart');
    const en = await callback({ error: 'access_denied', state: 'x' }, 'en');
    expect(en).toMatchObject({ status: 400, lang: 'en' });
    expect(en.html).toContain('<h1>Gmail not linked</h1>');
  });
});
