import { createHash } from 'node:crypto';
import type { Response } from 'express';

/**
 * The few HTML pages Postbode serves (the dev mailbox). Every value goes through
 * `escapeHtml`; the only style is the inline block below, allowed by its hash, so the
 * Content-Security-Policy can forbid everything else (no scripts at all).
 */
const STYLE = [
  'body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}',
  'table{border-collapse:collapse;width:100%}',
  'th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}',
  'pre{background:#f6f6f6;padding:1rem;overflow:auto;white-space:pre-wrap;word-break:break-all}',
  '.muted{color:#777}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const HTML_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A whole page; `body` must already be escaped HTML. */
export function renderPage(title: string, body: string, lang = 'en'): string {
  return (
    `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`
  );
}

/** `formPost`: the page has a form posting back to this server (a confirmation button). */
export function sendHtml(res: Response, html: string, opts: { readonly formPost?: boolean } = {}): void {
  res.set(
    'Content-Security-Policy',
    opts.formPost ? HTML_CSP.replace("form-action 'none'", "form-action 'self'") : HTML_CSP,
  );
  res.set('Cache-Control', 'no-store');
  res.type('html').send(html);
}
