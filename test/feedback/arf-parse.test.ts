import { describe, expect, it } from 'vitest';
import { parseArf } from '../../src/feedback/arf-parse.js';
import { standardDsn } from './mail-fixtures.js';

const report = (type: string, fields: string[], original: string[]) =>
  Buffer.from(
    [
      'From: fbl@isp.test',
      `Content-Type: multipart/report; report-type=${type}; boundary="b1"`,
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'An abuse report.',
      '--b1',
      'Content-Type: message/feedback-report',
      '',
      ...fields,
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      ...original,
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );

describe('parseArf', () => {
  it('reads the feedback type, the envelope sender, every Original-Rcpt-To and the original headers', () => {
    const arf = parseArf(
      report(
        '"feedback-report"',
        [
          'Feedback-Type: Abuse',
          'Version: 1',
          'Original-Mail-From: <bounces+x@b.test>',
          'Original-Rcpt-To: <a@c.test>',
          'Original-Rcpt-To: b@c.test',
        ],
        ['Return-Path: <bounces+y@b.test>', 'Message-ID: <m1@p.test>', 'From: Acme <f@p.test>'],
      ),
    );
    expect(arf).toEqual({
      feedbackType: 'abuse',
      originalMailFrom: 'bounces+x@b.test',
      originalRcptTo: ['a@c.test', 'b@c.test'],
      original: new Map([
        ['return-path', '<bounces+y@b.test>'],
        ['message-id', '<m1@p.test>'],
        ['from', 'Acme <f@p.test>'],
      ]),
    });
  });

  it('is undefined for a DSN, another report type, or a report without its feedback-report part', () => {
    const dsn = standardDsn({
      to: 'x@p.test',
      recipient: 'a@c.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: 'x',
    });
    expect(parseArf(Buffer.from(dsn))).toBeUndefined();
    expect(parseArf(report('delivery-status', ['Feedback-Type: abuse'], []))).toBeUndefined();
    const noPart = report('feedback-report', [], []).toString().replace('message/feedback-report', 'text/plain');
    expect(parseArf(Buffer.from(noPart))).toBeUndefined();
  });
});
