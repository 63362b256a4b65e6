import { inflateSync } from 'node:zlib';

/**
 * Finds compressed bombs before pdfjs sees them. pdfjs keeps every byte it inflates in an ArrayBuffer,
 * which a worker's heap limit does not count: 300 KB of FlateDecode zeros grow a reader past 1 GB.
 * Here each Flate stream that pdfjs decodes to read text (content, object streams, fonts; not
 * images, which text reading never decodes) is inflated with a ceiling; past it the PDF is refused.
 * The extra inflate costs about what pdfjs's own does for those streams, on an ordinary PDF well
 * under a millisecond per 100 KB.
 */
export const MAX_STREAM_BYTES = 16 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
/** How far before `stream` its dictionary is looked for. */
const DICT_WINDOW = 2048;

/** A problem line when some stream inflates past the limits; undefined when the PDF is fine. */
export function inflateProblem(pdf: Uint8Array): string | undefined {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let total = 0;
  let from = 0;
  for (;;) {
    const at = bytes.indexOf('stream', from, 'latin1');
    if (at < 0) return undefined;
    from = at + 6;
    if (bytes.toString('latin1', Math.max(0, at - 3), at) === 'end') continue;
    const data = streamData(bytes, at);
    if (data === undefined || !isTextFlate(bytes, at)) continue;
    const ceiling = Math.min(MAX_STREAM_BYTES, MAX_TOTAL_BYTES - total);
    const size = inflatedSize(data, ceiling);
    if (size === 'too-large') return `compressed bomb: a stream inflates to more than ${ceiling} bytes`;
    total += size;
    from = at + 6 + data.length;
  }
}

/** The bytes between `stream` + EOL and the next `endstream`. */
function streamData(bytes: Buffer, at: number): Buffer | undefined {
  let start = at + 6;
  if (bytes[start] === 0x0d) start++;
  if (bytes[start] === 0x0a) start++;
  const end = bytes.indexOf('endstream', start, 'latin1');
  return end < 0 ? bytes.subarray(start) : bytes.subarray(start, end);
}

function isTextFlate(bytes: Buffer, at: number): boolean {
  const before = bytes.toString('latin1', Math.max(0, at - DICT_WINDOW), at);
  const objStart = before.lastIndexOf(' obj');
  const dict = objStart < 0 ? before : before.slice(objStart);
  return /\/(?:FlateDecode|Fl)\b/.test(dict) && !/\/Subtype\s*\/Image\b/.test(dict);
}

function inflatedSize(data: Buffer, ceiling: number): number | 'too-large' {
  if (ceiling <= 0) return 'too-large';
  try {
    return inflateSync(data, { maxOutputLength: ceiling }).length;
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return 'too-large';
    // Corrupt or not zlib at all: pdfjs copes or reports it; inflating it cost nothing.
    return 0;
  }
}
