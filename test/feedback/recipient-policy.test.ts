import { describe, expect, it } from 'vitest';
import { classifyRecipient } from '../../src/feedback/recipient-policy.js';
import { srsForward } from '../../src/feedback/srs.js';

const domains = {
  sendingDomain: 'send.p.test',
  bounceDomain: 'bounce.p.test',
  bounceLocalPart: 'bounces',
  srsKey: Buffer.alloc(32, 1),
};
const now = Date.UTC(2026, 10, 28);

describe('classifyRecipient', () => {
  it('knows the platform addresses', () => {
    expect(classifyRecipient(domains, 'bounces+abc@bounce.p.test', now)).toMatchObject({ kind: 'bounce' });
    expect(classifyRecipient(domains, 'Facturen@SEND.p.test', now)).toMatchObject({
      kind: 'forwarding',
      localPart: 'facturen',
    });
    expect(classifyRecipient(domains, 'postmaster', now)).toMatchObject({ kind: 'postmaster' });
    expect(classifyRecipient(domains, 'abuse@send.p.test', now)).toMatchObject({ kind: 'postmaster' });
    expect(classifyRecipient(domains, srsForward(domains.srsKey, 'a@b.test', 'bounce.p.test', now), now)).toMatchObject(
      { kind: 'srs' },
    );
  });

  it('refuses relaying (5.7.1) and unknown addresses on the bounce domain or bad SRS (5.1.1)', () => {
    expect(classifyRecipient(domains, 'x@elsewhere.test', now)).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(classifyRecipient(domains, 'x@sub.send.p.test', now)).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(classifyRecipient(domains, 'facturen@bounce.p.test', now)).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(classifyRecipient(domains, 'SRS0=xxxx=AA=b.test=a@bounce.p.test', now)).toMatchObject({
      code: 550,
      enhanced: '5.1.1',
    });
  });

  it("takes a tenant's verified bounce host: VERP bounces and role accounts there, nothing else", () => {
    const withHosts = { ...domains, bounceHostOwner: (d: string) => (d === 'bounces.acme.test' ? 'T1' : undefined) };
    expect(classifyRecipient(withHosts, 'bounces+abc@Bounces.Acme.test', now)).toMatchObject({ kind: 'bounce' });
    expect(classifyRecipient(withHosts, 'postmaster@bounces.acme.test', now)).toMatchObject({ kind: 'postmaster' });
    expect(classifyRecipient(withHosts, 'jan@bounces.acme.test', now)).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(classifyRecipient(withHosts, 'bounces+abc@bounces.other.test', now)).toMatchObject({
      code: 550,
      enhanced: '5.7.1',
    });
    expect(classifyRecipient(withHosts, 'bounces+abc@acme.test', now)).toMatchObject({ code: 550, enhanced: '5.7.1' });
  });
});
