import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../../src/pipeline/content/html-to-text.js';

describe('htmlToText', () => {
  it('keeps paragraphs, line breaks, list items and link targets', () => {
    const html =
      '<html><head><title>T</title><style>p{x:y}</style></head><body><p>Beste   Piet,</p><p>Zie ' +
      '<b>bijlage</b>.<br>Totaal: &euro;&nbsp;10,00</p><ul><li>een</li><li>twee</li></ul><p><a ' +
      'href="https://acme.example/pay">Betalen</a></p><script>alert(1)</script><!-- note --></body></html>';
    expect(htmlToText(html)).toBe(
      'Beste Piet,\n\nZie bijlage.\nTotaal: € 10,00\n\n- een\n- twee\n\nBetalen (https://acme.example/pay)',
    );
  });

  it('does not repeat a link whose text is the URL, and treats a lone < as text', () => {
    expect(htmlToText('<a href="https://a.example">https://a.example</a> a < b')).toBe('https://a.example a < b');
  });

  it('stays linear on hostile input', () => {
    const started = Date.now();
    htmlToText('<script>'.repeat(20_000) + '<!--'.repeat(20_000) + '<'.repeat(50_000));
    htmlToText(`${'<'.repeat(100_000)}>`);
    htmlToText(`${'<td>'.repeat(50_000)}x`);
    htmlToText(`<a${'<a'.repeat(50_000)}>`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('decodes numeric and named entities, and drops invalid code points', () => {
    expect(decodeEntities('&#233;&#xE9;&eacute;&bogus;&#xD800;&#0;')).toBe('ééé&bogus;');
  });
});
