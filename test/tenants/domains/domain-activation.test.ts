import { describe, expect, it } from 'vitest';
import type { DomainCheck, RecordCheck } from '../../../src/mailauth/check-types.js';
import { applyCheck } from '../../../src/tenants/domains/domain-activation.js';
import type { DomainRecord, StoredSelector } from '../../../src/tenants/domains/domain-types.js';

const NOW = 1_800_000_000_000;
const OPTS = { now: NOW, graceMs: 1000 };

function selector(name: string, state: StoredSelector['state']): StoredSelector {
  return {
    selector: name,
    algorithm: 'rsa',
    publicKeyDnsValue: 'AAAA',
    privateKeySealed: 'sealed',
    createdAt: 1,
    state,
  };
}

function domain(status: DomainRecord['status'], selectors: StoredSelector[]): DomainRecord {
  return { domain: 'acme.test', tenantId: 'T1', keySet: 'rsa', selectors, status, createdAt: 1 };
}

function rec(record: RecordCheck['record'], status: RecordCheck['status'], selectorName?: string): RecordCheck {
  return {
    record,
    name: selectorName ? `${selectorName}._domainkey.acme.test` : 'acme.test',
    status,
    problem: status === 'ok' ? null : 'not-found',
    found: null,
    expected: 'x',
    advice: `advice for ${record}`,
    ...(selectorName ? { selector: selectorName } : {}),
  };
}

function check(records: RecordCheck[]): DomainCheck {
  return {
    domain: 'acme.test',
    records,
    active: false,
    dmarcAligned: { policy: null, dkim: false, spf: false, aligned: false },
    spfLookups: 1,
  };
}

describe('applyCheck', () => {
  it('activates a new domain when its DKIM key matches and SPF permits us', () => {
    const next = applyCheck(
      domain('pending', [selector('pb1', 'pending')]),
      check([rec('dkim', 'ok', 'pb1'), rec('spf', 'ok')]),
      OPTS,
    );
    expect(next.status).toBe('active');
    expect(next.activatedAt).toBe(NOW);
    expect(next.selectors[0]!.state).toBe('active');
    expect(next.lastCheck?.at).toBe(NOW);
  });

  it('stays pending while SPF does not permit us, even with DKIM right', () => {
    const next = applyCheck(
      domain('pending', [selector('pb1', 'pending')]),
      check([rec('dkim', 'ok', 'pb1'), rec('spf', 'wrong')]),
      OPTS,
    );
    expect(next.status).toBe('pending');
    expect(next.selectors[0]!.state).toBe('pending');
  });

  it(
    'an active domain whose DKIM record vanished becomes failing, ' + 'with the reason; back to active when it returns',
    () => {
      const active = domain('active', [selector('pb1', 'active')]);
      const failing = applyCheck(active, check([rec('dkim', 'missing', 'pb1'), rec('spf', 'ok')]), OPTS);
      expect(failing.status).toBe('failing');
      expect(failing.failingReason).toBe('pb1._domainkey.acme.test: advice for dkim');
      const back = applyCheck(failing, check([rec('dkim', 'ok', 'pb1'), rec('spf', 'ok')]), OPTS);
      expect(back.status).toBe('active');
      expect(back.failingReason).toBeUndefined();
    },
  );

  it('a DNS server that did not answer changes nothing', () => {
    const active = domain('active', [selector('pb1', 'active')]);
    expect(applyCheck(active, check([rec('dkim', 'unknown', 'pb1'), rec('spf', 'ok')]), OPTS).status).toBe('active');
  });

  it('rotation: a verified pending key takes over, the old one retires after the grace period', () => {
    const rotating = domain('active', [selector('pb1', 'active'), selector('pb1-2', 'pending')]);
    const waiting = applyCheck(
      rotating,
      check([rec('dkim', 'ok', 'pb1'), rec('dkim', 'missing', 'pb1-2'), rec('spf', 'ok')]),
      OPTS,
    );
    expect(waiting.status).toBe('active');
    expect(waiting.selectors.map((s) => s.state)).toEqual(['active', 'pending']);
    const switched = applyCheck(
      rotating,
      check([rec('dkim', 'ok', 'pb1'), rec('dkim', 'ok', 'pb1-2'), rec('spf', 'ok')]),
      OPTS,
    );
    expect(switched.selectors.map((s) => [s.state, s.retireAfter])).toEqual([
      ['retiring', NOW + 1000],
      ['active', undefined],
    ]);
    // The replaced key's private half is gone; the new one keeps its own.
    expect(switched.selectors.map((s) => s.privateKeySealed)).toEqual([undefined, 'sealed']);
  });
});
