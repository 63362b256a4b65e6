import { pixelOffset } from './pixel-place.js';

/**
 * The open-tracking pixel: a 1×1 transparent GIF, and its <img> in the HTML part.
 */
const GIF_BASE64 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

/** A fresh copy each time (a shared Buffer could be written to by any caller). */
export function transparentGif(): Buffer {
  return Buffer.from(GIF_BASE64, 'base64');
}

export const GIF_CONTENT_TYPE = 'image/gif';

/** Where the API serves pixels; the token is URL-safe as it is. */
export function pixelUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/t/${token}.gif`;
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The pixel's markup: ASCII only, so it fits any ASCII-compatible charset and encoding. */
export function pixelImg(url: string): string {
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(url)) throw new TypeError('pixel URL must be http(s) and printable ASCII');
  return (
    `<img src="${attribute(url)}" width="1" height="1" alt="" ` +
    `style="display:block;width:1px;height:1px;border:0;">`
  );
}

/** The HTML with one pixel at pixelOffset; undefined when there is no place a reader would show it. */
export function injectPixel(html: string, url: string): string | undefined {
  const img = pixelImg(url);
  const at = pixelOffset(html);
  return at === undefined ? undefined : `${html.slice(0, at)}${img}${html.slice(at)}`;
}

const PIXEL_IMG = new RegExp(
  '<img src="[^"]*/t/[A-Za-z0-9_-]+\\.gif" width="1" height="1" alt="" ' +
    'style="display:block;width:1px;height:1px;border:0;">',
  'g',
);

/** The HTML without the pixel pixelImg made: a preview of the mail must never count as an open. */
export function withoutPixel(html: string): string {
  return html.replace(PIXEL_IMG, '');
}
