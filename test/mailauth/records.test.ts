import { describe, expect, it } from 'vitest';
import {
  dkimRecord,
  dmarcRecord,
  isDmarcRecord,
  returnPathRecord,
  spfRecord,
  txtChunks,
  TXT_CHUNK,
} from '../../src/mailauth/records.js';
import { addInclude, hasInclude, mergeSpf, parseSpf } from '../../src/mailauth/spf-terms.js';

const PLATFORM = 'spf.postbode.example';

describe('dkimRecord', () => {
  it('gives name, value and 255-character chunks in copy-paste form', () => {
    const p = 'A'.repeat(392);
    const record = dkimRecord('example.com', 'pb202611', { algorithm: 'rsa', publicKeyDnsValue: p });
    expect(record).toMatchObject({
      type: 'TXT',
      name: 'pb202611._domainkey.example.com',
      value: `v=DKIM1; k=rsa; p=${p}`,
    });
    expect(record.valueChunks.length).toBe(2);
    expect(record.valueChunks.every((c) => c.length <= TXT_CHUNK)).toBe(true);
    expect(record.valueChunks.join('')).toBe(record.value);
  });

  it('marks ed25519 keys with k=ed25519 and keeps short values in one chunk', () => {
    const record = dkimRecord('example.com', 'pb202611e', { algorithm: 'ed25519', publicKeyDnsValue: 'abc=' });
    expect(record.value).toBe('v=DKIM1; k=ed25519; p=abc=');
    expect(record.valueChunks).toEqual([record.value]);
    expect(txtChunks('')).toEqual(['']);
  });
});

describe('spfRecord', () => {
  const cases: [string, string[], string, string][] = [
    ['none', ['google-site-verification=x'], 'create', `v=spf1 include:${PLATFORM} ~all`],
    [
      'one with ~all',
      ['v=spf1 mx include:_spf.google.com ~all'],
      'replace',
      `v=spf1 mx include:_spf.google.com include:${PLATFORM} ~all`,
    ],
    ['one with -all', ['v=spf1 ip4:192.0.2.1 -all'], 'replace', `v=spf1 ip4:192.0.2.1 include:${PLATFORM} -all`],
    [
      'one with redirect=',
      ['v=spf1 redirect=_spf.example.com'],
      'replace',
      `v=spf1 include:${PLATFORM} redirect=_spf.example.com`,
    ],
    ['one without all', ['v=spf1 a mx'], 'replace', `v=spf1 a mx include:${PLATFORM}`],
    [
      'already included',
      [`v=spf1 include:${PLATFORM.toUpperCase()} -all`],
      'keep',
      `v=spf1 include:${PLATFORM.toUpperCase()} -all`,
    ],
    [
      'two records',
      ['v=spf1 include:a.test ~all', 'v=spf1 include:b.test include:a.test -all'],
      'merge',
      `v=spf1 include:a.test include:b.test include:${PLATFORM} ~all`,
    ],
  ];
  it.each(cases)('%s', (_name, existing, action, value) => {
    const proposal = spfRecord(existing, PLATFORM);
    expect(proposal.action).toBe(action);
    expect(proposal.value).toBe(value);
    expect(proposal.problem === null).toBe(action !== 'merge');
  });

  it('says why two records are an error', () => {
    const proposal = spfRecord(['v=spf1 -all', 'v=spf1 mx -all'], PLATFORM);
    expect(proposal.problem).toContain('only one is allowed');
    expect(proposal.current).toEqual(['v=spf1 -all', 'v=spf1 mx -all']);
  });

  it('does not count a failing include as permitting, and places ours before all', () => {
    expect(hasInclude(`v=spf1 -include:${PLATFORM} ~all`, PLATFORM)).toBe(false);
    expect(addInclude('v=spf1 ?all exp=explain.example.com', PLATFORM)).toBe(
      `v=spf1 include:${PLATFORM} ?all exp=explain.example.com`,
    );
    expect(mergeSpf(['v=spf1 mx', 'v=spf1 a'], PLATFORM)).toBe(`v=spf1 mx a include:${PLATFORM} ~all`);
  });

  it('parses qualifiers, values and modifiers', () => {
    expect(
      parseSpf('v=spf1 -ip4:192.0.2.0/24 a/24 ~mx:mx.example.com redirect=x.test').map((t) => [
        t.kind,
        t.qualifier,
        t.name,
        t.value,
      ]),
    ).toEqual([
      ['mechanism', '-', 'ip4', '192.0.2.0/24'],
      ['mechanism', '+', 'a', '/24'],
      ['mechanism', '~', 'mx', 'mx.example.com'],
      ['modifier', '+', 'redirect', 'x.test'],
    ]);
  });
});

describe('dmarcRecord', () => {
  it('proposes p=none with reports to us when there is none', () => {
    expect(dmarcRecord(['something else'], 'dmarc@postbode.example')).toMatchObject({
      action: 'create',
      value: 'v=DMARC1; p=none; rua=mailto:dmarc@postbode.example',
      problem: null,
    });
  });

  it('leaves an existing record alone', () => {
    expect(dmarcRecord(['v=DMARC1; p=reject'], 'dmarc@postbode.example')).toMatchObject({
      action: 'keep',
      value: 'v=DMARC1; p=reject',
    });
  });

  it('flags two records', () => {
    const proposal = dmarcRecord(['v=DMARC1; p=reject', 'v=DMARC1; p=none'], 'd@x.test');
    expect(proposal.action).toBe('merge');
    expect(proposal.problem).toContain('more than one');
    expect(isDmarcRecord('v=DMARC1')).toBe(true);
    expect(isDmarcRecord('v=DMARC10; p=none')).toBe(false);
  });
});

describe('returnPathRecord', () => {
  it('is a CNAME from the bounce host to the platform', () => {
    expect(returnPathRecord('bounce.example.com', 'bounces.postbode.example')).toEqual({
      type: 'CNAME',
      name: 'bounce.example.com',
      value: 'bounces.postbode.example',
      valueChunks: ['bounces.postbode.example'],
    });
  });
});
