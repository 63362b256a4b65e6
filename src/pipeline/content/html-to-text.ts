/**
 * A small HTML → plain text conversion for the text/plain alternative and for linting, used
 * when the legacy mail had HTML only. It scans once with indexOf (no backtracking regexes),
 * drops script/style/head content and comments, keeps link targets in brackets, and decodes
 * the common entities. Not a renderer: html-to-text 10.0.1 would be the full-featured choice.
 */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  euro: '€',
  copy: '©',
  reg: '®',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  deg: '°',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  euml: 'ë',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  iuml: 'ï',
  ccedil: 'ç',
  szlig: 'ß',
  Eacute: 'É',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
};

const SKIP_CONTENT: ReadonlySet<string> = new Set(['script', 'style', 'head', 'title', 'template', 'noscript']);
const PARAGRAPH: ReadonlySet<string> = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'ul',
  'ol',
  'blockquote',
  'hr',
  'pre',
]);
const LINE: ReadonlySet<string> = new Set([
  'div',
  'tr',
  'section',
  'header',
  'footer',
  'article',
  'address',
  'dd',
  'dt',
]);

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

interface Tag {
  readonly name: string;
  readonly closing: boolean;
  readonly href?: string;
}

function parseTag(inner: string): Tag | undefined {
  const head = /^(\/?)([a-zA-Z][a-zA-Z0-9]*)/.exec(inner);
  if (!head) return undefined;
  const href = /\shref\s*=\s*(?:"([^"]{0,2048})"|'([^']{0,2048})'|([^\s"'>]{1,2048}))/i.exec(inner);
  const url = href ? decodeEntities(href[1] ?? href[2] ?? href[3] ?? '').trim() : undefined;
  return { name: (head[2] ?? '').toLowerCase(), closing: head[1] === '/', ...(url ? { href: url } : {}) };
}

function breakFor(tag: Tag): string {
  if (tag.name === 'br') return '\n';
  if (tag.name === 'li') return tag.closing ? '' : '\n- ';
  if (tag.name === 'td' || tag.name === 'th') return ' ';
  if (PARAGRAPH.has(tag.name)) return '\n\n';
  return LINE.has(tag.name) ? '\n' : '';
}

function skipPast(html: string, name: string, from: number): number {
  const close = new RegExp(`</${name}\\s*>`, 'gi');
  close.lastIndex = from;
  const match = close.exec(html);
  return match ? match.index + match[0].length : html.length;
}

function tidy(text: string): string {
  // Collapse runs first: /[ \t]+\n/ alone would rescan a long run of spaces from each of them.
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function htmlToText(html: string): string {
  let out = '';
  let pendingHref: string | undefined;
  const text = (raw: string) => {
    out += decodeEntities(raw.replace(/\s+/g, ' '));
  };
  let i = 0;
  let gt = -1;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      text(html.slice(i));
      break;
    }
    text(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (gt < lt) gt = html.indexOf('>', lt); // reused while still ahead, so "<<<<…>" stays linear
    if (gt < 0) {
      text(html.slice(lt));
      break;
    }
    const tag = parseTag(html.slice(lt + 1, gt));
    if (tag === undefined) {
      text('<');
      i = lt + 1;
      continue;
    }
    i = gt + 1;
    if (!tag.closing && SKIP_CONTENT.has(tag.name)) {
      i = skipPast(html, tag.name, i);
      continue;
    }
    if (tag.name === 'a') {
      if (!tag.closing) pendingHref = tag.href;
      else if (
        pendingHref !== undefined &&
        /^(https?|mailto):/i.test(pendingHref) &&
        !out.endsWith(pendingHref.replace(/^mailto:/i, ''))
      )
        out += ` (${pendingHref})`;
      if (tag.closing) pendingHref = undefined;
      continue;
    }
    out += breakFor(tag);
  }
  return tidy(out);
}
