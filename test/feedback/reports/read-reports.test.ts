import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readReportFile, readReports } from '../../../src/feedback/reports/read-reports.js';
import { ReportRejected } from '../../../src/feedback/reports/report-error.js';
import { REPORT_LIMITS } from '../../../src/feedback/reports/report-limits.js';
import type { DmarcReport, TlsReport } from '../../../src/feedback/reports/report-records.js';
import { dmarcXml, gzip, reportMail, tlsJson, zipOf } from './report-fixtures.js';

const rows = [
  { ip: '192.0.2.10', count: 12, dkim: 'pass', spf: 'pass' },
  { ip: '198.51.100.7', count: 3, dkim: 'fail', spf: 'fail', disposition: 'quarantine' },
] as const;
const xml = dmarcXml('acme.test', rows);

async function rejection(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportRejected);
  return (err as ReportRejected).problem;
}

describe('report files: DMARC XML and TLS-RPT JSON, plain, gzip or zip', () => {
  it.each([
    ['plain XML', Buffer.from(xml)],
    ['gzip', gzip(xml)],
    ['zip (deflate)', zipOf('google.com!acme.test!1764547200!1764633599.xml', Buffer.from(xml))],
    ['zip (stored)', zipOf('report.xml', Buffer.from(xml), 0)],
  ])('reads a DMARC aggregate report as %s', async (_name, file) => {
    const [report] = (await readReportFile(file, REPORT_LIMITS)) as DmarcReport[];
    expect(report).toMatchObject({ kind: 'dmarc', domain: 'acme.test', org: 'google.com', policy: 'none' });
    expect(report?.begin).toBe(1764547200_000);
    expect(report?.rows).toEqual([
      { sourceIp: '192.0.2.10', count: 12, headerFrom: 'acme.test', dkim: 'pass', spf: 'pass', disposition: 'none' },
      {
        sourceIp: '198.51.100.7',
        count: 3,
        headerFrom: 'acme.test',
        dkim: 'fail',
        spf: 'fail',
        disposition: 'quarantine',
      },
    ]);
  });

  it('reads a TLS-RPT report (gzip JSON) with its failures by result type', async () => {
    const json = tlsJson('acme.test', 90, [
      ['certificate-expired', 4],
      ['starttls-not-supported', 1],
    ]);
    const [report] = (await readReportFile(gzip(json), REPORT_LIMITS)) as TlsReport[];
    expect(report).toMatchObject({ kind: 'tls', domain: 'acme.test', policyType: 'sts', successes: 90, failures: 5 });
    expect(report?.details.map((d) => [d.resultType, d.count])).toEqual([
      ['certificate-expired', 4],
      ['starttls-not-supported', 1],
    ]);
  });

  it('refuses a gzip bomb at the cap: the output never grows past maxBytes or the ratio', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)); // 20 MiB of spaces in ~20 KiB
    expect(await rejection(readReportFile(bomb, REPORT_LIMITS))).toBe('too-large');
    // A ratio bomb under the absolute cap: 4 MiB from a few KiB is far beyond 200:1.
    const ratio = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(await rejection(readReportFile(ratio, REPORT_LIMITS))).toBe('too-large');
  });

  it('refuses a zip bomb the same way, and zips with several entries or garbage', async () => {
    expect(await rejection(readReportFile(zipOf('a.xml', Buffer.alloc(8 << 20, 0x20)), REPORT_LIMITS))).toBe(
      'too-large',
    );
    const two = zipOf('a.xml', Buffer.from(xml));
    two.writeUInt16LE(2, two.length - 22 + 10);
    expect(await rejection(readReportFile(two, REPORT_LIMITS))).toBe('bad-archive');
    const cut = zipOf('a.xml', Buffer.from(xml)).subarray(0, 60);
    expect(await rejection(readReportFile(cut, REPORT_LIMITS))).toBe('bad-archive');
  });

  it('refuses DOCTYPE and entity declarations (billion laughs, XXE) without expanding anything', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
      '<feedback><report_metadata><org_name>&lol2;</org_name></report_metadata></feedback>';
    expect(await rejection(readReportFile(Buffer.from(laughs), REPORT_LIMITS))).toBe('doctype');
    const xxe = '<!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>';
    expect(await rejection(readReportFile(Buffer.from(xxe), REPORT_LIMITS))).toBe('doctype');
    const undeclared = xml.replace('google.com</org_name>', '&x;</org_name>');
    expect(await rejection(readReportFile(Buffer.from(undeclared), REPORT_LIMITS))).toBe('bad-xml');
  });

  it('answers malformed reports with a problem code, never a crash', async () => {
    const cases: Array<[string, string]> = [
      ['<feedback><report_metadata>', 'bad-xml'],
      ['<feedback></report_metadata></feedback>', 'bad-xml'],
      ['<html><body>hi</body></html>', 'not-a-report'],
      ['<feedback><report_metadata/></feedback>', 'not-a-report'],
      [`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, 'bad-xml'],
      ['{"policies": 3}', 'not-a-report'],
      ['{"policies": [', 'bad-json'],
      ['just text', 'not-a-report'],
    ];
    for (const [text, problem] of cases)
      expect(await rejection(readReportFile(Buffer.from(text), REPORT_LIMITS)), text).toBe(problem);
    expect(await rejection(readReportFile(Buffer.from([0x1f, 0x8b, 1, 2, 3]), REPORT_LIMITS))).toBe('bad-archive');
  });

  it('keeps at most maxRows rows and counts the messages of the rest', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ip: `192.0.2.${i}`, count: 2, dkim: 'pass', spf: 'pass' }));
    const [report] = (await readReportFile(Buffer.from(dmarcXml('acme.test', many as never)), {
      ...REPORT_LIMITS,
      maxRows: 10,
    })) as DmarcReport[];
    expect(report?.rows).toHaveLength(10);
    expect([report?.droppedRows, report?.droppedMessages]).toEqual([20, 40]);
  });

  it('finds the report in a mail attachment whatever its declared type', async () => {
    const mail = reportMail({
      to: 'dmarc-reports@send.test',
      filename: 'google.com!acme.test!1!2.zip',
      contentType: 'application/octet-stream',
      content: zipOf('r.xml', Buffer.from(xml)),
    });
    const [report] = await readReports(Buffer.from(mail), REPORT_LIMITS);
    expect(report).toMatchObject({ kind: 'dmarc', domain: 'acme.test' });
    const none = 'From: a@b.test\r\nTo: dmarc-reports@send.test\r\nSubject: hi\r\n\r\nno report here\r\n';
    expect(await rejection(readReports(Buffer.from(none), REPORT_LIMITS))).toBe('no-report');
  });
});
