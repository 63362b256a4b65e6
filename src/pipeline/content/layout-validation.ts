import { decodeEntities } from './html-to-text.js';
import { tagsOf } from './html-tags.js';
import { checkTemplate } from './template-syntax.js';
import { BUILTIN_VARIABLES } from './variables.js';

/**
 * Checks for a tenant's custom HTML layout, made when it is saved. Mail clients strip most of
 * this anyway, but a layout with script, handlers or `javascript:` links is a phishing kit,
 * and external stylesheets are not loaded by mail clients at all (CSS must be inlined).
 */
export type LayoutRule =
  | 'content-placeholder'
  | 'script'
  | 'event-handler'
  | 'javascript-url'
  | 'external-stylesheet'
  | 'forbidden-element'
  | 'unknown-variable'
  | 'too-large';

export interface LayoutError {
  readonly rule: LayoutRule;
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export const MAX_LAYOUT_SIZE = 100_000;

const FORBIDDEN_ELEMENTS: ReadonlySet<string> = new Set([
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'form',
  'input',
  'button',
]);
const DANGEROUS_SCHEME = /(?:javascript|vbscript|livescript):|data:text\/html/;
/** `javascript:` with whitespace or NULs between its letters, as browsers used to accept. */
const RAW_JAVASCRIPT = String.raw`j[\s\0]*a[\s\0]*v[\s\0]*a[\s\0]*s[\s\0]*c[\s\0]*r[\s\0]*i[\s\0]*p[\s\0]*t[\s\0]*:`;

function error(rule: LayoutRule, message: string, start: number, end: number): LayoutError {
  return { rule, message, start, end };
}

function placeholderErrors(html: string): LayoutError[] {
  const hits = [...html.matchAll(/%content%/gi)];
  if (hits.length === 0)
    return [error('content-placeholder', 'the layout needs a %content% placeholder for the message text', 0, 0)];
  return hits
    .slice(1)
    .map((m) => error('content-placeholder', '%content% may appear only once', m.index, m.index + m[0].length));
}

/**
 * `rel=stylesheet` (quoted or not, among other rel values). Checked per quote-delimited
 * segment: `/rel\s*=\s*["']?[^"'>]*stylesheet/` rescans to the end from every "rel=", which
 * a 100 KB layout turns into seconds of blocked event loop at save time.
 */
export function linksStylesheet(attrs: string): boolean {
  const segments = attrs.toLowerCase().split(/["']/);
  return segments.some((segment, i) => {
    const rel = /rel\s*=\s*/.exec(segment);
    if (rel && segment.includes('stylesheet', rel.index + rel[0].length)) return true;
    return /rel\s*=\s*$/.test(segment) && (segments[i + 1] ?? '').includes('stylesheet');
  });
}

function tagErrors(html: string): LayoutError[] {
  const errors: LayoutError[] = [];
  for (const { name, attrs, start, end, closing } of tagsOf(html)) {
    if (name === 'script' && !closing) errors.push(error('script', '<script> is not allowed', start, end));
    if (FORBIDDEN_ELEMENTS.has(name) && !closing)
      errors.push(error('forbidden-element', `<${name}> is not allowed in an e-mail layout`, start, end));
    if (name === 'meta' && /http-equiv\s*=\s*["']?refresh/i.test(attrs))
      errors.push(error('forbidden-element', '<meta http-equiv="refresh"> is not allowed', start, end));
    if (name === 'link' && linksStylesheet(attrs))
      errors.push(
        error(
          'external-stylesheet',
          'external stylesheets are not loaded by mail clients; put the CSS in the layout',
          start,
          end,
        ),
      );
    for (const handler of attrs.matchAll(/(?:^|[\s/"'])(on[a-z]+)\s*=/gi)) {
      const at = end - 1 - attrs.length + handler.index;
      errors.push(
        error('event-handler', `event handler ${handler[1] ?? ''} is not allowed`, at, at + handler[0].length),
      );
    }
    const normalised = decodeEntities(attrs)
      .replace(/[\s\0-\u001f]+/g, '')
      .toLowerCase();
    // Written plainly it is reported by textErrors(); here only the entity-encoded forms.
    if (DANGEROUS_SCHEME.test(normalised) && !new RegExp(RAW_JAVASCRIPT, 'i').test(attrs)) {
      errors.push(
        error('javascript-url', 'javascript:, vbscript: and data:text/html URLs are not allowed', start, end),
      );
    }
  }
  return errors;
}

function textErrors(html: string): LayoutError[] {
  const errors: LayoutError[] = [];
  for (const m of html.matchAll(new RegExp(RAW_JAVASCRIPT, 'gi')))
    errors.push(error('javascript-url', 'javascript: URLs are not allowed', m.index, m.index + m[0].length));
  for (const m of html.matchAll(/@import\b/gi))
    errors.push(
      error(
        'external-stylesheet',
        '@import loads an external stylesheet; put the CSS in the layout',
        m.index,
        m.index + m[0].length,
      ),
    );
  return errors;
}

/** Every problem, in document order; empty when the layout may be saved. */
export function validateLayout(html: string, known: ReadonlySet<string> = new Set(BUILTIN_VARIABLES)): LayoutError[] {
  if (html.length > MAX_LAYOUT_SIZE)
    return [
      error(
        'too-large',
        `the layout is too large (at most ${MAX_LAYOUT_SIZE} characters)`,
        MAX_LAYOUT_SIZE,
        html.length,
      ),
    ];
  const variables = checkTemplate(html, new Set([...known, 'content'])).map((i) =>
    error('unknown-variable', i.message, i.start, i.end),
  );
  return [...placeholderErrors(html), ...tagErrors(html), ...textErrors(html), ...variables].sort(
    (a, b) => a.start - b.start,
  );
}

/** Inlines CSS (`<style>` into `style=""`); juice 11.1.1 once installed: `(html) => juice(html)`. */
export type CssInliner = (html: string) => string;

export type PreparedLayout =
  | { readonly ok: true; readonly html: string }
  | { readonly ok: false; readonly errors: readonly LayoutError[] };

/** Validate, then inline CSS when an inliner is given, then validate what the inliner produced. */
export function prepareCustomLayout(html: string, known: ReadonlySet<string>, inlineCss?: CssInliner): PreparedLayout {
  const errors = validateLayout(html, known);
  if (errors.length > 0) return { ok: false, errors };
  if (inlineCss === undefined) return { ok: true, html };
  const inlined = inlineCss(html);
  const after = validateLayout(inlined, known);
  return after.length > 0 ? { ok: false, errors: after } : { ok: true, html: inlined };
}
