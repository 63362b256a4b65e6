/**
 * Hostile PDFs, written by hand so each does exactly one bad thing: a broken xref table, a page tree
 * whose /Kids point back at itself, a compressed bomb, encryption with an unknown password, a
 * truncated file, 10,000 pages. `rawPdf` writes objects 1…n with a correct xref table unless told not to.
 */
import { deflateSync } from 'node:zlib';

type Body = string | Buffer;

export function rawPdf(objects: readonly Body[], trailer = '', options: { xref?: 'good' | 'garbage' } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.from(body), Buffer.from('\nendobj\n')]);
    parts.push(chunk);
    length += chunk.length;
  });
  const xrefAt = length;
  const entry = (offset: number): string =>
    options.xref === 'garbage'
      ? `${String(offset * 7 + 13).padStart(10, '0')} 00000 n \n`
      : `${String(offset).padStart(10, '0')} 00000 n \n`;
  const xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map(entry).join('')}`;
  const tail = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref + tail, 'latin1'));
  return Buffer.concat(parts);
}

function stream(dict: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`),
    data,
    Buffer.from('\nendstream'),
  ]);
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/** One page of text: objects 1 catalog, 2 pages, 3 page, 4 content, 5 font. */
function onePage(text: string): Body[] {
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    stream('', Buffer.from(`BT /F1 12 Tf 50 780 Td (${text}) Tj ET`)),
    FONT,
  ];
}

export function textRawPdf(text = 'Factuurnummer: F-1'): Buffer {
  return rawPdf(onePage(text));
}

/** Every xref offset points to the wrong place (pdfjs may rebuild the table by scanning). */
export function brokenXrefPdf(text = 'Factuurnummer: XREF-1 Vervaldatum: 30-04-2026'): Buffer {
  return rawPdf(onePage(text), '', { xref: 'garbage' });
}

/** The root /Pages node lists itself among its kids and claims three pages. */
export function pageTreeLoopPdf(): Buffer {
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>',
    '<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 2 >>',
  ]);
}

/** A page whose content stream inflates from ~`mb / 1000` MB to `mb` MB of zeros. */
export function compressedBombPdf(mb: number): Buffer {
  const zeros = deflateSync(Buffer.alloc(mb * 1024 * 1024), { level: 9 });
  const objects = onePage('x');
  objects[3] = stream('/Filter /FlateDecode', zeros);
  return rawPdf(objects);
}

/** Standard security handler, revision 3, with /O and /U that no empty password opens. */
export function encryptedPdf(): Buffer {
  const hex = (seed: number): string => Buffer.alloc(32, seed).toString('hex');
  const encrypt = `<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <${hex(0x41)}> /U <${hex(0x42)}> >>`;
  const objects = [...onePage('secret'), encrypt];
  return rawPdf(objects, `/Encrypt ${objects.length} 0 R /ID [<${hex(1).slice(0, 32)}> <${hex(1).slice(0, 32)}>]`);
}

export function truncatedPdf(whole: Buffer): Buffer {
  return whole.subarray(0, Math.floor(whole.length / 3));
}

/** `count` pages in one flat /Pages node, all sharing one small content stream. */
export function manyPagesPdf(count: number): Buffer {
  const first = 4;
  const kids = Array.from({ length: count }, (_, i) => `${first + i} 0 R`).join(' ');
  const objects: Body[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${count} >>`,
    stream('', Buffer.from('BT /F1 12 Tf 50 780 Td (Factuurnummer: MANY-1 Vervaldatum: 30-04-2026 Pagina) Tj ET')),
  ];
  const resources = `/Resources << /Font << /F1 ${first + count} 0 R >> >>`;
  const page = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R ${resources} >>`;
  for (let i = 0; i < count; i++) objects.push(page);
  objects.push(FONT);
  return rawPdf(objects);
}
