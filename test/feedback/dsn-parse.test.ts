import { describe, expect, it } from 'vitest';
import { parseDsn } from '../../src/feedback/dsn-parse.js';
import { standardDsn } from './mail-fixtures.js';

describe('parseDsn', () => {
  it('reads each recipient block and the returned Message-ID', () => {
    const raw = Buffer.from(
      standardDsn({
        to: 'bounces+x@b.test',
        recipient: 'jan@customer.test',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <jan@customer.test>: Recipient address rejected: User unknown',
        messageId: '<abc@gw.test>',
      }),
    );
    expect(parseDsn(raw)).toEqual({
      recipients: [
        {
          recipient: 'jan@customer.test',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <jan@customer.test>: Recipient address rejected: User unknown',
        },
      ],
      originalMessageId: '<abc@gw.test>',
    });
  });

  it('finds a base64 delivery-status nested in multipart/mixed, with folded fields and two recipients', () => {
    const status = [
      'Reporting-MTA: dns; exchange.test',
      '',
      'Final-Recipient: rfc822;a@customer.test',
      'Action: failed',
      'Status: 5.1.10',
      'Diagnostic-Code: smtp;550 5.1.10',
      ' RESOLVER.ADR.RecipNotFound; not found',
      '',
      'Final-Recipient: rfc822;<b@customer.test>',
      'Action: delayed',
      'Status: 4.4.7',
      '',
    ].join('\r\n');
    const raw = Buffer.from(
      [
        'From: postmaster@exchange.test',
        'Content-Type: multipart/report; report-type=delivery-status; boundary=outer',
        '',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'Delivery has failed.',
        '--inner--',
        '',
        '--outer',
        'Content-Type: message/delivery-status',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(status).toString('base64'),
        '',
        '--outer--',
        '',
      ].join('\r\n'),
    );
    expect(parseDsn(raw)?.recipients).toEqual([
      {
        recipient: 'a@customer.test',
        action: 'failed',
        status: '5.1.10',
        diagnostic: '550 5.1.10 RESOLVER.ADR.RecipNotFound; not found',
      },
      { recipient: 'b@customer.test', action: 'delayed', status: '4.4.7' },
    ]);
  });

  it('is undefined for anything that is not a multipart/report with a status part', () => {
    expect(parseDsn(Buffer.from('Subject: hi\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n'))).toBeUndefined();
    expect(
      parseDsn(
        Buffer.from(
          'Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nno\r\n--x--\r\n',
        ),
      ),
    ).toBeUndefined();
  });
});
