import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { detectionInputFrom } from '../../../src/pipeline/detect/detection-input.js';

describe('detectionInputFrom', () => {
  it(
    'takes subject, text, attachment names, sender, ' + 'recipients (groups flattened) and headers as strings',
    async () => {
      const raw = [
        'From: "Acme Facturatie" <Facturen@Acme.example>',
        'To: Boekhouding: "Piet Pieters" <Piet@Klant.example>, eva@klant.example;, "Jan" <jan@x.example>',
        'Subject: =?utf-8?q?Factuur_2024-0012_=E2=80=93_Acme?=',
        'Date: Tue, 02 Apr 2024 10:00:00 +0200',
        'X-Document-Kind: invoice',
        'X-Document-Kind: copy',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Beste klant,</p><p>Totaal: &euro; 10,00</p>',
        '--b',
        'Content-Type: application/pdf; name=Factuur_2024-0012.pdf',
        'Content-Disposition: attachment; filename=Factuur_2024-0012.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0=',
        '--b--',
        '',
      ].join('\r\n');
      const input = detectionInputFrom(await simpleParser(raw, { skipHtmlToText: true }));
      expect(input.subject).toBe('Factuur 2024-0012 – Acme');
      expect(input.text).toBe('Beste klant,\n\nTotaal: € 10,00');
      expect(input.attachments).toEqual([{ filename: 'Factuur_2024-0012.pdf', contentType: 'application/pdf' }]);
      expect(input.from).toBe('Facturen@Acme.example');
      expect(input.to).toEqual([
        { address: 'piet@klant.example', name: 'Piet Pieters' },
        { address: 'eva@klant.example', name: '' },
        { address: 'jan@x.example', name: 'Jan' },
      ]);
      expect(input.headers.get('x-document-kind')).toEqual(['invoice', 'copy']);
      expect(input.headers.get('date')).toEqual(['2024-04-02T08:00:00.000Z']);
      expect(input.headers.get('from')).toEqual(['"Acme Facturatie" <Facturen@Acme.example>']);
      expect(input.headers.get('content-type')).toEqual(['multipart/mixed']);
    },
  );

  it('copes with a bare message', async () => {
    expect(detectionInputFrom(await simpleParser('\r\n'))).toMatchObject({
      subject: '',
      text: '',
      attachments: [],
      from: '',
      to: [],
    });
  });
});
