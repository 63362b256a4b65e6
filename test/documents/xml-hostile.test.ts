import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXmlDocument } from '../../src/documents/xml/read-xml.js';

/**
 * Hostile and broken XML: each gets bounded work and a reason in `problems`, never a throw, a
 * hang or an expansion. Times are bounded generously (the machine is shared); the point is that
 * none of them grows with what the attacker asked for.
 */

const ubl = readFileSync(join(import.meta.dirname, '../fixtures/einvoice/ubl-invoice-be-structured.xml'));

function read(xml: string | Buffer) {
  const started = performance.now();
  const reading = readXmlDocument(typeof xml === 'string' ? Buffer.from(xml) : xml, 'x.xml');
  return { reading, ms: performance.now() - started };
}

const LAUGHS = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [<!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
  ']>',
  '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol9;</ID></Invoice>',
].join('\n');

describe('hostile XML', () => {
  it('refuses a billion-laughs DOCTYPE before any expansion', () => {
    const { reading, ms } = read(LAUGHS);
    expect(reading).toMatchObject({ format: 'unknown', facts: {}, problems: ['DOCTYPE refused'] });
    expect(ms).toBeLessThan(1000);
  });

  it('refuses an external entity (and a lower-case doctype)', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    expect(read(xxe).reading.problems).toEqual(['DOCTYPE refused']);
    expect(read('<!doctype r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>').reading.problems).toEqual(['DOCTYPE refused']);
  });

  it('leaves an undeclared entity reference as text, unexpanded', () => {
    const xml = ubl.toString('utf8').replace('<cbc:ID>F2026-0042</cbc:ID>', '<cbc:ID>&lol9;-1</cbc:ID>');
    expect(read(xml).reading.facts.number?.value).toBe('&lol9;-1');
  });

  it('refuses 50 MB of nesting on its size alone', () => {
    const { reading, ms } = read(Buffer.alloc(50 * 1024 * 1024, '<a>'));
    expect(reading).toMatchObject({ format: 'unknown', problems: ['XML larger than 10485760 bytes'] });
    expect(ms).toBeLessThan(1000);
  });

  it('refuses deep nesting under the size cap in one linear scan, without a stack overflow', () => {
    const { reading, ms } = read(`<a>${'<b>'.repeat(3_000_000)}`);
    expect(reading).toMatchObject({ format: 'unknown', problems: ['elements nested deeper than 64'] });
    expect(ms).toBeLessThan(2000);
    const deep = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    expect(read(deep(64)).reading).toMatchObject({ format: 'xml-other', problems: [] });
    expect(read(deep(65)).reading.problems).toEqual(['elements nested deeper than 64']);
  });

  it('refuses millions of elements or attributes before the parser builds them', () => {
    const ns = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
    const wide = read(`<Invoice xmlns="${ns}">${'<a/>'.repeat(2_400_000)}</Invoice>`);
    expect(wide.reading).toMatchObject({ format: 'unknown', problems: ['more than 100000 elements and attributes'] });
    expect(wide.ms).toBeLessThan(2000);
    const attributes = Array.from({ length: 100_001 }, (_, i) => ` a${i}="1"`).join('');
    expect(read(`<Invoice xmlns="${ns}"><x${attributes}/></Invoice>`).reading.problems).toEqual([
      'more than 100000 elements and attributes',
    ]);
  });

  it('says a truncated file is truncated, and a mismatched tag is one', () => {
    const half = ubl.subarray(0, Math.floor(ubl.length / 2));
    expect(read(half).reading).toMatchObject({ format: 'unknown' });
    expect(read(half).reading.problems[0]).toMatch(/^XML is truncated/);
    expect(read('<a><b></a>').reading.problems).toEqual(['</a> does not close <b>']);
    expect(read('<a/><b/>').reading.problems).toEqual(['more than one root element']);
    expect(read('<a attr="never closed>').reading.problems).toEqual(['malformed start tag']);
    expect(read('<a><b attr="cut').reading.problems).toEqual(['XML is truncated']);
    expect(read('').reading.problems).toEqual(['no XML root element']);
  });

  it('does not take a PDF or plain text for XML', () => {
    expect(read('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj').reading).toMatchObject({
      format: 'unknown',
      problems: ['text outside the root element'],
    });
  });

  it('refuses bytes that are not UTF-8 when UTF-8 is declared or implied', () => {
    const latin1 = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>M\xfcller</r>', 'latin1');
    expect(read(latin1).reading).toMatchObject({ format: 'unknown', problems: ['not valid UTF-8 text'] });
    const unsupported = Buffer.from('<?xml version="1.0" encoding="EBCDIC-CP-US"?><r/>');
    expect(read(unsupported).reading.problems).toEqual(['encoding "ebcdic-cp-us" not supported']);
  });

  it('reads ISO-8859-1 and UTF-16 e-invoices as declared', () => {
    const text = ubl
      .toString('utf8')
      .replace('Peeters &amp; Zonen BV', 'Peeters & Zonen Müller BV'.replace('&', '&amp;'));
    const latin = Buffer.from(text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'latin1');
    expect(read(latin).reading.facts.sellerName?.value).toBe('Peeters & Zonen Müller BV');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace('UTF-8', 'UTF-16'), 'utf16le')]);
    expect(read(utf16).reading).toMatchObject({ format: 'ubl-invoice', validation: [] });
  });

  it('skips comments, processing instructions and CDATA, however they look', () => {
    const xml = ubl
      .toString('utf8')
      .replace(
        '<cbc:ID>F2026-0042</cbc:ID>',
        '<!-- <!DOCTYPE x> <b> --><?pi <c>?><cbc:ID><![CDATA[F2026-0042]]></cbc:ID>',
      );
    const { reading } = read(xml);
    expect(reading.problems).toEqual([]);
    expect(reading.facts.number?.value).toBe('F2026-0042');
  });

  it('survives 300 random cuts and byte changes of a real invoice without an unexpected fault', () => {
    let seed = 20_26;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(ubl);
      for (let k = 0; k < 1 + next(4); k++) bytes[next(bytes.length)] = next(256);
      const { reading } = read(bytes.subarray(0, bytes.length - next(200)));
      seen.add(reading.format);
      expect(reading.problems.filter((p) => p.startsWith('XML reader failed'))).toEqual([]);
    }
    expect(seen.has('unknown')).toBe(true);
  });
});
