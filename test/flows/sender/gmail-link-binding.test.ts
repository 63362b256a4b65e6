import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startFakeGoogle, type FakeAccount, type FakeGoogle } from '../../helpers/fake-google.js';
import { callback, linkAccount, startGmailGateway, startLink } from '../../helpers/gmail-harness.js';
import { api } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * The Gmail consent flow belongs to the browser that started it: its `state` is only good
 * together with the signed cookie the start set (login CSRF: an attacker's consent link
 * opened by a victim must not link the victim's mailbox to the attacker's tenant). Linking
 * another account revokes the old account's grant at Google.
 */
describe('Gmail link: state bound to the browser, relink revokes', () => {
  let sink: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;
  const owner: FakeAccount = { address: 'owner@acme-mail.test', aliases: ['owner@acme-mail.test'] };
  const second: FakeAccount = { address: 'second@acme-mail.test', aliases: ['second@acme-mail.test'] };
  const victim: FakeAccount = { address: 'victim@elders.test', aliases: ['victim@elders.test'] };

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeGoogle();
    gw = await startGmailGateway(sink.port, fake);
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([sink?.close(), fake?.close()]);
  });

  const codeFor = (account: FakeAccount, consent: URLSearchParams): string =>
    fake.issueCode(account, consent.get('code_challenge') ?? undefined);

  it(
    'starting sets an HttpOnly, ' + 'SameSite=Lax cookie for the callback path only, living as long as the state',
    async () => {
      const started = await startLink(gw);
      expect(started.status).toBe(200);
      expect(started.body).not.toHaveProperty('setCookie');
      expect(started.setCookie).toMatch(
        new RegExp(
          [
            '^postbode_gmail_link=[A-Za-z0-9_-]{32}\\.[A-Za-z0-9_-]{43}; ',
            'Max-Age=600; Path=\\/oauth\\/google; HttpOnly; SameSite=Lax$',
          ].join(''),
        ),
      );
    },
  );

  it(
    "a callback without the cookie, or with another flow's or a forged one, is refused before Google is asked; " +
      'the real browser still completes',
    async () => {
      const started = await startLink(gw);
      const state = started.consent.get('state') ?? '';
      const other = await startLink(gw);
      const tokenCalls = fake.count('token');
      const [nonce, mac] = started.cookie.split('=')[1]!.split('.');
      const forged = `postbode_gmail_link=${nonce}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`;
      for (const cookie of [undefined, other.cookie, forged]) {
        const page = await callback(gw, { code: codeFor(owner, started.consent), state }, cookie);
        expect(page.status).toBe(400);
        expect(await page.text()).toMatch(/started in another browser/);
      }
      expect(fake.count('token')).toBe(tokenCalls);
      expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/gmail`)).body).toMatchObject({ status: 'unlinked' });

      const done = await callback(gw, { code: codeFor(owner, started.consent), state }, started.cookie);
      expect(done.status).toBe(200);
      expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/gmail`)).body).toMatchObject({
        status: 'linked',
        address: owner.address,
      });
    },
  );

  it("another tenant cannot get a victim's mailbox linked to itself by sending its consent link", async () => {
    const made = await api(gw, 'POST', '/tenants', { name: 'Attacker BV' });
    const attackerId = (made.body.tenant as { id: string }).id;
    const token = String((await api(gw, 'POST', `/tenants/${attackerId}/tokens`, {})).body.token);
    const attack = await startLink({ ...gw, tenantId: attackerId }, {}, token);
    expect(attack.status).toBe(200);
    // The victim consents in their own browser, which never got the attacker's cookie.
    const page = await callback(gw, {
      code: codeFor(victim, attack.consent),
      state: attack.consent.get('state') ?? '',
    });
    expect(page.status).toBe(400);
    expect((await api(gw, 'GET', `/tenants/${attackerId}/gmail`)).body).toMatchObject({ status: 'unlinked' });
  });

  it(
    "relinking to another account revokes the old account's grant at Google; the same account again keeps its " +
      'grant',
    async () => {
      const revokedBefore = [...fake.revoked];
      expect((await linkAccount(gw, fake, second)).status).toBe(200);
      const revokedNow = fake.revoked.slice(revokedBefore.length);
      expect(revokedNow).toHaveLength(1);
      expect(revokedNow[0]).toMatch(/^1\/\/fake-refresh-/);
      expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/gmail`)).body).toMatchObject({
        status: 'linked',
        address: second.address,
      });

      expect((await linkAccount(gw, fake, second)).status).toBe(200);
      expect(fake.revoked).toHaveLength(revokedBefore.length + 1);
    },
  );
});
