import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../src/mime/index.js';
import { sendingDomainOf as draftDomain } from '../../../src/pipeline/content/spam-lint-stage.js';
import { sendingDomainOf } from '../../../src/pipeline/sender/sending-domain.js';
import { DEFAULT_SENDER_SETTINGS, type SenderSettings } from '../../../src/tenants/sender-settings.js';
import type { DomainDirectory } from '../../../src/tenants/ownership/sender-domains.js';
import { makeTenant } from '../../helpers/inbound-harness.js';

/** acme.test is T1's, verified; other.test is T2's. */
const DOMAINS: DomainDirectory = {
  isVerified: (domain, tenantId) => domain === 'acme.test' && tenantId === 'T1',
  ownerOf: (domain) => (domain === 'acme.test' ? 'T1' : domain === 'other.test' ? 'T2' : undefined),
};
const SMTP = { host: '127.0.0.1', port: 2525, tls: 'starttls', rejectUnauthorized: true } as const;

function deps(settings: Partial<SenderSettings>, extra: { gmail?: string; platform?: string | null } = {}) {
  return {
    platform: {
      sendingDomain: extra.platform === undefined ? 'send.test' : extra.platform,
      bounceDomain: null,
      bounceLocalPart: 'bounces',
    },
    tenants: { byId: async () => makeTenant({ id: 'T1', name: 'Acme', smtpUsername: 'acme', smtpPasswordHash: '' }) },
    settings: { get: () => ({ ...DEFAULT_SENDER_SETTINGS, ...settings }) },
    domains: DOMAINS,
    gmailAvailable: extra.gmail !== undefined,
    gmailAccount: () => extra.gmail,
  };
}

describe('the domain mail leaves from, for the spam advice', () => {
  it('forwarding: the platform domain; none when the legacy From stays', async () => {
    expect(await sendingDomainOf(deps({ mode: 'forwarding' }), 'T1')).toBe('send.test');
    expect(await sendingDomainOf(deps({ mode: 'forwarding' }, { platform: null }), 'T1')).toBeUndefined();
  });

  it('own address: its domain once verified, the platform domain before, never another tenant domain', async () => {
    expect(await sendingDomainOf(deps({ mode: 'own-address', ownAddress: 'f@acme.test' }), 'T1')).toBe('acme.test');
    expect(await sendingDomainOf(deps({ mode: 'own-address', ownAddress: 'f@new.test' }), 'T1')).toBe('send.test');
    expect(await sendingDomainOf(deps({ mode: 'own-address', ownAddress: 'f@other.test' }), 'T1')).toBe('send.test');
  });

  it("own SMTP server: the mailbox's domain (own address, else the login)", async () => {
    const smtp = { ...SMTP, user: 'boekhouding@mail.acme-host.test' };
    expect(await sendingDomainOf(deps({ mode: 'own-smtp', smtp }), 'T1')).toBe('mail.acme-host.test');
    const own = { mode: 'own-smtp' as const, smtp, ownAddress: 'f@acme.test' };
    expect(await sendingDomainOf(deps(own), 'T1')).toBe('acme.test');
  });

  it('Gmail: the alias set as own address, else the linked account', async () => {
    expect(await sendingDomainOf(deps({ mode: 'gmail' }, { gmail: 'acme@gmail.com' }), 'T1')).toBe('gmail.com');
    const alias = deps({ mode: 'gmail', ownAddress: 'f@acme.test' }, { gmail: 'acme@gmail.com' });
    expect(await sendingDomainOf(alias, 'T1')).toBe('acme.test');
    // Gmail not available here: forwarding
    expect(await sendingDomainOf(deps({ mode: 'gmail' }), 'T1')).toBe('send.test');
  });

  it('at send time: the From the identity stage chose, else the legacy From that stays', () => {
    const split = splitMessage(Buffer.from('From: "Jansen" <facturen@Jansen.Example>\r\nSubject: x\r\n\r\nbody\r\n'));
    expect(draftDomain({ split, identity: { from: { address: 'f@acme.test' } } as never })).toBe('acme.test');
    expect(draftDomain({ split, identity: undefined })).toBe('jansen.example');
  });
});
