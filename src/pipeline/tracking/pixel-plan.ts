import { findHtmlPart } from './html-part.js';
import { pixelImg } from './pixel.js';
import { pixelOffset } from './pixel-place.js';
import { htmlLength } from './pixel-threshold.js';
import { decodeBody, insertEncoded, transferEncodingOf } from './transfer-encoding.js';

/**
 * Puts a pixel into finished message bytes, touching the HTML part's body alone: every
 * header, every other part and every byte outside the edit stay as they were. The work that
 * is the same for every recipient (finding the part, decoding it, tokenizing the HTML) is
 * done once; each copy then costs one splice (or one base64 encode of that part).
 */
export interface PixelPlan {
  /** The message with the pixel for `url` in it. */
  copy(url: string): Buffer;
  /** Characters of the HTML part's source, without the pixel (pixel-threshold.ts). */
  readonly htmlLength: number;
}

/**
 * Charsets in which "<", ">" and ASCII letters are single bytes of their own: tags can be
 * found, and the ASCII pixel inserted, on the bytes as they are. Others (UTF-16, ISO-2022-*,
 * UTF-7, ...) are left untracked rather than transcoded.
 */
const NOT_ASCII_COMPATIBLE = /^(?:utf-?16|utf-?32|ucs-?2|ucs-?4|unicode|iso-?2022|csiso2022|hz|utf-?7)/i;

export function planPixel(raw: Buffer): PixelPlan | undefined {
  const part = findHtmlPart(raw);
  if (part === undefined) return undefined;
  const encoding = transferEncodingOf(part.contentTransferEncoding);
  if (encoding === undefined || NOT_ASCII_COMPATIBLE.test(part.charset ?? '')) return undefined;
  const body = raw.subarray(part.start, part.end);
  const decoded = decodeBody(body, encoding);
  // latin1 maps each byte to one code unit: tokenizer offsets are byte offsets.
  const html = decoded.toString('latin1');
  const offset = pixelOffset(html);
  if (offset === undefined) return undefined;
  const head = raw.subarray(0, part.start);
  const tail = raw.subarray(part.end);
  return {
    copy: (url) => Buffer.concat([head, insertEncoded(body, decoded, encoding, offset, pixelImg(url)), tail]),
    htmlLength: htmlLength(html, part.charset),
  };
}
