import { describe, expect, it } from 'vitest';
import { platformRecordLines } from '../../../src/admin/cli/dns-commands.js';
import { configSchema } from '../../../src/config/schema.js';
import { classifyRecipient } from '../../../src/feedback/recipient-policy.js';
import { parseXml, textAt } from '../../../src/feedback/reports/xml-lite.js';
import { isReservedLocalPart } from '../../../src/tenants/local-part.js';
import { platformReportRecords, proposedDmarcReportAddress } from '../../../src/tenants/report-addresses.js';

const domains = {
  sendingDomain: 'send.p.test',
  bounceDomain: 'bounce.p.test',
  bounceLocalPart: 'bounces',
  srsKey: Buffer.alloc(32, 1),
};
const config = (extra: Record<string, unknown>) => configSchema.parse({ dataDir: '/tmp/x', ...extra });

describe('the report addresses', () => {
  it('are recipients the MX takes as reports, on the sending domain only, and no tenant can claim them', () => {
    const now = Date.UTC(2026, 11, 7);
    expect(classifyRecipient(domains, 'DMARC-Reports@send.p.test', now)).toMatchObject({
      kind: 'report',
      report: 'dmarc',
    });
    expect(classifyRecipient(domains, 'tls-reports@send.p.test', now)).toMatchObject({ kind: 'report', report: 'tls' });
    expect(classifyRecipient(domains, 'dmarc-reports@bounce.p.test', now)).toMatchObject({ code: 550 });
    expect(isReservedLocalPart('dmarc-reports', 'bounces')).toBe(true);
    expect(isReservedLocalPart('TLS-Reports', 'bounces')).toBe(true);
  });

  it('are what the proposed DMARC record names: the operator override first, then ours with the MX on', () => {
    const platform = { sendingDomain: 'send.p.test' };
    expect(proposedDmarcReportAddress(config({ platform }))).toBe('dmarc-reports@send.p.test');
    expect(proposedDmarcReportAddress(config({ platform, dns: { dmarcReportAddress: 'd@ops.test' } }))).toBe(
      'd@ops.test',
    );
    expect(proposedDmarcReportAddress(config({ platform, mx: { enabled: false } }))).toBeNull();
    expect(proposedDmarcReportAddress(config({}))).toBeNull();
    expect(platformReportRecords('send.p.test')).toEqual([
      { name: '*._report._dmarc.send.p.test', type: 'TXT', value: 'v=DMARC1' },
      { name: '_smtp._tls.send.p.test', type: 'TXT', value: 'v=TLSRPTv1; rua=mailto:tls-reports@send.p.test' },
    ]);
    const printed = platformRecordLines(config({ platform }), 'send.p.test', []);
    expect(printed).toEqual(
      expect.arrayContaining([
        'DMARC  _dmarc.send.p.test  TXT  "v=DMARC1; p=none; rua=mailto:dmarc-reports@send.p.test"',
        'REPORT *._report._dmarc.send.p.test  TXT  "v=DMARC1"',
        'REPORT _smtp._tls.send.p.test  TXT  "v=TLSRPTv1; rua=mailto:tls-reports@send.p.test"',
      ]),
    );
  });
});

describe('the bounded XML reader', () => {
  it('reads namespaces, CDATA, comments and character references', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><!-- c --><f:feedback xmlns:f="urn:x"><a x="1">A &amp; B &#x41;&#66;</a>' +
        '<b><![CDATA[<raw>]]></b><c/></f:feedback>',
      8,
    );
    expect(doc.name).toBe('feedback');
    expect([textAt(doc, 'a'), textAt(doc, 'b'), textAt(doc, 'c')]).toEqual(['A & B AB', '<raw>', '']);
  });
});
