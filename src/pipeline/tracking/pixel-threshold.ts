/**
 * When a pixel may go in. SpamAssassin's HTML_IMAGE_ONLY_04 … _32 rules (20_html_tests.cf) score
 * an HTML part that shows any image and has at most 3,200 characters of HTML source, markup
 * included, +0.6 to +2.8 (50_scores.cf, local rule set). The pixel is such an image: measured with
 * `spamassassin -L` (test/flows/content/rules-spamassassin.test.ts), a default-layout invoice with
 * six lines of text is 1,677 characters of HTML and scores 0.0 without the pixel, 2.1 with it
 * (HTML_IMAGE_ONLY_20); with 3,461 characters and the pixel it scores 0.0 again. So the pixel goes
 * only into HTML that is long enough without it: a short invoice is sent untracked rather than
 * sent toward the spam folder.
 */
export const MIN_HTML_FOR_PIXEL = 3200;

/**
 * Characters of the HTML source as SpamAssassin counts them (decoded, line ends as one
 * character). `latin1`: the part's decoded bytes one per code unit; UTF-8 multi-byte sequences
 * count once, as a decoder sees them.
 */
export function htmlLength(latin1: string, charset: string | undefined): number {
  const text = /^utf-?8$/i.test(charset ?? '') ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
  let crs = 0;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) crs++;
  return text.length - crs;
}

export function longEnoughForPixel(length: number): boolean {
  return length >= MIN_HTML_FOR_PIXEL;
}
