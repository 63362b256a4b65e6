import { describe, expect, it } from 'vitest';
import type { Tenant, TenantDirectory } from '../../../src/core/types.js';
import { normalizeIp } from '../../../src/receive/smtp/client-ip.js';
import { ipInList } from '../../../src/core/ip-match.js';
import {
  checkRecipientCount,
  checkRecipientSyntax,
  checkSenderSyntax,
  resolveSenderTenant,
} from '../../../src/receive/smtp/mail-policy.js';

describe('ip allow-list', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.2', ['127.0.0.1'], false],
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.0.0.1', ['10.0.0.0/8'], false],
    ['::ffff:127.0.0.1', ['127.0.0.0/8'], true],
    ['127.0.0.1', ['::ffff:127.0.0.1'], true],
    ['10.0.0.9', ['::ffff:10.0.0.0/104'], true],
    ['2001:db8::5', ['2001:db8::/32'], true],
    ['2001:DB8:0:0::5', ['2001:db8::5'], true],
    ['2001:db9::1', ['2001:db8::/32'], false],
    ['::1', ['::1'], true],
    ['192.0.2.1', ['garbage', '192.0.2.0/99', ''], false],
    ['not-an-ip', ['0.0.0.0/0'], false],
  ] as const)('%s in %j → %s', (ip, list, expected) => {
    expect(ipInList(ip, list)).toBe(expected);
  });

  it('normalises IPv4-mapped addresses to plain IPv4', () => {
    expect(normalizeIp('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});

describe('address syntax', () => {
  it('accepts ordinary, quoted, literal and UTF-8 addresses and the null sender', () => {
    for (const a of ['a@b.example', '"john doe"@x.example', 'x@[192.0.2.1]', 'jörg@müller.example', ''])
      expect(checkSenderSyntax(a)).toBeUndefined();
  });

  it('refuses bad senders with 553 5.1.7 and bad recipients with 553 5.1.3, with a short reason', () => {
    expect(checkSenderSyntax('a..b@x.example')).toMatchObject({
      reason: 'syntax',
      reply: { code: 553, enhanced: '5.1.7', text: 'Bad sender address syntax: unexpected character at position 3' },
    });
    expect(checkRecipientSyntax('a@b')).toMatchObject({
      reply: { code: 553, enhanced: '5.1.3', text: 'Bad recipient address syntax: domain not fully qualified' },
    });
    expect(checkRecipientSyntax('')).toMatchObject({ reply: { code: 553 } });
  });

  it('accepts the bare postmaster recipient in any case', () => {
    expect(checkRecipientSyntax('PostMaster')).toBeUndefined();
    expect(checkSenderSyntax('postmaster')).toMatchObject({ reply: { code: 553 } });
  });
});

describe('recipient count', () => {
  it('refuses a new recipient past the limit with 452 4.5.3 but not a repeat', () => {
    expect(checkRecipientCount(['a@x.example'], 'b@x.example', 2)).toBeUndefined();
    expect(checkRecipientCount(['a@x.example', 'b@x.example'], 'c@x.example', 2)).toMatchObject({
      reason: 'recipients',
      reply: { code: 452, enhanced: '4.5.3' },
    });
    expect(checkRecipientCount(['a@x.example', 'b@x.example'], 'A@X.example', 2)).toBeUndefined();
  });
});

describe('sender tenant', () => {
  const office: Tenant = {
    id: 'office',
    name: 'Office',
    smtpUsername: 'o',
    smtpPasswordHash: '',
    allowedIps: ['192.0.2.0/24'],
    allowPlaintextAuth: false,
    credentialsVersion: 1,
    createdAt: 0,
    updatedAt: 0,
  };
  const directory = (answer: Tenant | undefined): TenantDirectory => ({
    byId: async () => undefined,
    bySmtpUsername: async () => undefined,
    byAllowedIp: async () => answer,
  });

  it('uses the authenticated tenant first', async () => {
    expect(await resolveSenderTenant({ authenticatedTenantId: 'auth', ip: '192.0.2.1' }, directory(office))).toEqual({
      tenantId: 'auth',
    });
  });

  it('uses the allow-listed tenant, checked against its own list', async () => {
    expect(await resolveSenderTenant({ authenticatedTenantId: undefined, ip: '192.0.2.1' }, directory(office))).toEqual(
      { tenantId: 'office' },
    );
    expect(
      await resolveSenderTenant({ authenticatedTenantId: undefined, ip: '198.51.100.1' }, directory(office)),
    ).toMatchObject({ reason: 'relay', reply: { code: 530, enhanced: '5.7.0' } });
  });

  it('refuses everyone else with 530 5.7.0', async () => {
    expect(
      await resolveSenderTenant({ authenticatedTenantId: undefined, ip: '192.0.2.1' }, directory(undefined)),
    ).toMatchObject({ reply: { code: 530 } });
  });
});

describe('address fast path', () => {
  it('never accepts what smtp-address-parser would refuse (generated addresses)', async () => {
    const { parse } = await import('smtp-address-parser');
    const parserAccepts = (a: string): boolean => {
      try {
        parse(a);
        return true;
      } catch {
        return false;
      }
    };
    const pick = (s: string, n: number): string =>
      Array.from({ length: n }, (_, i) => s[(i * 7 + n * 13 + s.length) % s.length] ?? 'a').join('');
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const atext = "abcXYZ019!#$%&'*+/=?^_`{|}~-";
    const label = 'abz09-';
    let agreed = 0;
    for (let i = 0; i < 3000; i++) {
      const local = Array.from({ length: 1 + rnd(3) }, () => pick(atext.slice(rnd(20)), 1 + rnd(6))).join(
        rnd(4) === 0 ? '..' : '.',
      );
      const domain = Array.from({ length: 1 + rnd(3) }, () => pick(label.slice(rnd(4)), 1 + rnd(5))).join('.');
      const address = `${local}@${domain}`;
      const fast = checkRecipientSyntax(address) === undefined;
      expect(fast, address).toBe(parserAccepts(address));
      agreed++;
    }
    expect(agreed).toBe(3000);
  });
});
