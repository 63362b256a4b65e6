/**
 * What the bytes are, never what the name says: a PDF starts with `%PDF-` (readers accept it within
 * the first KiB, after junk some generators write), XML with a prolog or a root element after an
 * optional byte order mark and white space.
 */
export type Sniffed = 'pdf' | 'xml' | 'other';

const PDF_WINDOW = 1024;

export function sniff(bytes: Uint8Array): Sniffed {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PDF_WINDOW));
  if (head.indexOf('%PDF-', 0, 'latin1') >= 0) return 'pdf';
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (/^<\?xml[\s?]/.test(text) || /^<(?:!--|[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?[\s/>])/.test(text)) return 'xml';
  return 'other';
}
