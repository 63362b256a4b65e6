import { longEnoughForPixel, MIN_HTML_FOR_PIXEL } from '../tracking/pixel-threshold.js';
import { adviceEn } from './spam-advice.js';

/**
 * An image (a logo, a legacy body's pictures) in short HTML: SpamAssassin's HTML_IMAGE_ONLY_*
 * rules call such a message image-only (+0.6 to +2.8 locally) however much of it is text. The
 * threshold is the pixel's (src/pipeline/tracking/pixel-threshold.ts): the open-tracking pixel
 * itself stays out of such HTML, an image the tenant chose gets this advice.
 */
export interface ImageWarning {
  readonly rule: 'image-only';
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export interface ShortForPixelWarning {
  readonly rule: 'tracking-short-html' | 'tracking-short-html-tracked';
  readonly message: string;
  readonly start: 0;
  readonly end: 0;
}

function htmlLength(html: string): number {
  let crs = 0;
  for (let i = html.indexOf('\r'); i !== -1; i = html.indexOf('\r', i + 1)) crs++;
  return html.length - crs;
}

/**
 * Open tracking in force, and a rendered HTML too short for the pixel: that message goes out untracked,
 * or, when the tenant tracks short messages too (`trackShort`), with a pixel spam filters may score.
 */
export function shortForPixelWarnings(html: string | undefined, trackShort = false): ShortForPixelWarning[] {
  if (html === undefined) return [];
  const length = htmlLength(html);
  if (longEnoughForPixel(length)) return [];
  const rule = trackShort ? 'tracking-short-html-tracked' : 'tracking-short-html';
  return [{ rule, message: adviceEn(rule, { length, minimum: MIN_HTML_FOR_PIXEL }), start: 0, end: 0 }];
}

/** The first `<img>` of HTML shorter than MIN_HTML_FOR_PIXEL characters (CRs not counted). */
export function imageOnlyWarnings(html: string): ImageWarning[] {
  const img = /<img\b[^>]{0,2048}>?/i.exec(html);
  if (img === null) return [];
  const length = htmlLength(html);
  if (longEnoughForPixel(length)) return [];
  return [
    {
      rule: 'image-only',
      message: adviceEn('image-only', { length, minimum: MIN_HTML_FOR_PIXEL }),
      start: img.index,
      end: img.index + img[0].length,
    },
  ];
}
