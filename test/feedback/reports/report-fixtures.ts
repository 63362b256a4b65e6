import { deflateRawSync, gzipSync } from 'node:zlib';

export interface FixtureRow {
  readonly ip: string;
  readonly count: number;
  readonly dkim: 'pass' | 'fail';
  readonly spf: 'pass' | 'fail';
  readonly disposition?: 'none' | 'quarantine' | 'reject';
}

/** A DMARC aggregate report as receivers write it (RFC 7489 appendix C). */
export function dmarcXml(domain: string, rows: readonly FixtureRow[], org = 'google.com', id = 'r-1'): string {
  const records = rows
    .map(
      (r) => `  <record>
    <row>
      <source_ip>${r.ip}</source_ip>
      <count>${r.count}</count>
      <policy_evaluated>
        <disposition>${r.disposition ?? 'none'}</disposition><dkim>${r.dkim}</dkim><spf>${r.spf}</spf>
      </policy_evaluated>
    </row>
    <identifiers><header_from>${domain}</header_from></identifiers>
    <auth_results>
      <dkim><domain>${domain}</domain><result>${r.dkim}</result></dkim>
      <spf><domain>${domain}</domain><result>${r.spf}</result></spf>
    </auth_results>
  </record>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>${org}</org_name>
    <email>noreply-dmarc-support@${org}</email>
    <report_id>${id}</report_id>
    <date_range><begin>1764547200</begin><end>1764633599</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>
  </policy_published>
${records}
</feedback>
`;
}

/** A TLS-RPT report (RFC 8460 section 4.4's example, trimmed). */
export function tlsJson(domain: string, ok: number, failures: ReadonlyArray<[string, number]>): string {
  return JSON.stringify({
    'organization-name': 'Company-X',
    'date-range': { 'start-datetime': '2026-12-01T00:00:00Z', 'end-datetime': '2026-12-01T23:59:59Z' },
    'contact-info': 'sts-reporting@company-x.example',
    'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-string': ['version: STSv1', 'mode: testing'], 'policy-domain': domain },
        summary: {
          'total-successful-session-count': ok,
          'total-failure-session-count': failures.reduce((n, [, c]) => n + c, 0),
        },
        'failure-details': failures.map(([type, count]) => ({
          'result-type': type,
          'sending-mta-ip': '2001:db8:abcd:0012::1',
          'receiving-mx-hostname': `mx1.${domain}`,
          'failed-session-count': count,
        })),
      },
    ],
  });
}

/** A zip archive of one file, deflated (or stored), as reporters send them. */
export function zipOf(name: string, content: Buffer, method: 0 | 8 = 8): Buffer {
  const data = method === 8 ? deflateRawSync(content) : content;
  const fileName = Buffer.from(name, 'latin1');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE(0, 42);
  const centralAt = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

export const gzip = (text: string | Buffer): Buffer => gzipSync(text);

/** A report mail with one attachment, as Google (zip/gzip DMARC) or a TLS-RPT reporter sends it. */
export function reportMail(opts: {
  readonly to: string;
  readonly from?: string;
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}): string {
  const b64 = opts.content.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return [
    `From: ${opts.from ?? 'noreply-dmarc-support@google.com'}`,
    `To: ${opts.to}`,
    'Subject: Report Domain: acme.test Submitter: google.com Report-ID: <r-1>',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'Message-ID: <report-1@google.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is an aggregate report.',
    '--b1',
    `Content-Type: ${opts.contentType}; name="${opts.filename}"`,
    `Content-Disposition: attachment; filename="${opts.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--b1--',
    '',
  ].join('\r\n');
}
