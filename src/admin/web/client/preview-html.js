// @ts-check
/**
 * Shows the API's rendered HTML inside the page without loosening the page's CSP.
 *
 * A srcdoc frame inherits the page's policy (`style-src 'self'`), so every inline style of the
 * e-mail (the layout's CSS is inlined) would be blocked and the preview would look nothing like
 * the mail. Instead the HTML is parsed into an inert document (DOMParser runs no scripts and
 * loads nothing), and copied through an allow-list: known tags, a few presentational
 * attributes, and the `style` attribute applied through the CSSOM (which CSP does not block).
 * Style attributes are renamed before parsing: the parser reports each one it meets as a CSP
 * violation (and drops it), even in an inert document; one the rename misses is only dropped.
 * Scripts, event handlers, forms, frames and links' targets never reach the page; images load
 * only from data: URLs (the page's img-src), others show their alt text.
 */
const TAGS = new Set([
  'a',
  'abbr',
  'b',
  'blockquote',
  'br',
  'caption',
  'center',
  'code',
  'col',
  'colgroup',
  'div',
  'em',
  'font',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'u',
  'ul',
]);
/** Dropped with everything inside them. */
const DROP = new Set([
  'script',
  'style',
  'title',
  'head',
  'template',
  'noscript',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'form',
]);
const STYLE = 'data-pb-style';
const ATTRS = new Set([
  'align',
  'valign',
  'width',
  'height',
  'colspan',
  'rowspan',
  'alt',
  'title',
  'border',
  'cellpadding',
  'cellspacing',
  'bgcolor',
  'color',
]);

/**
 * @param {HTMLElement} into emptied, then filled with the safe copy
 * @param {string} html
 */
export function showHtml(into, html) {
  const renamed = html.replace(/(<[a-zA-Z][^>]*?[\s/])style(\s*=)/g, `$1${STYLE}$2`);
  const doc = new DOMParser().parseFromString(renamed, 'text/html');
  into.replaceChildren(...copyChildren(doc.body));
}

/** @param {Node} from @returns {Node[]} */
function copyChildren(from) {
  return [...from.childNodes].flatMap(copyNode);
}

/** @param {Node} node @returns {Node[]} */
function copyNode(node) {
  if (node.nodeType === Node.TEXT_NODE) return [document.createTextNode(node.textContent ?? '')];
  if (!(node instanceof Element)) return [];
  const tag = node.localName;
  if (DROP.has(tag)) return [];
  if (!TAGS.has(tag)) return copyChildren(node);
  if (tag === 'img') return [image(node)];
  // A link keeps its look, not its destination: the preview is not for clicking.
  const el = document.createElement(tag === 'a' ? 'span' : tag);
  if (tag === 'a') el.className = 'preview-link';
  for (const attr of node.attributes) {
    if (ATTRS.has(attr.name)) el.setAttribute(attr.name, attr.value);
  }
  const style = node.getAttribute(STYLE);
  if (style) el.style.cssText = style;
  el.append(...copyChildren(node));
  return [el];
}

/** @param {Element} node */
function image(node) {
  const src = node.getAttribute('src') ?? '';
  if (!/^data:image\/(png|gif|jpeg|webp);base64,/i.test(src))
    return document.createTextNode(node.getAttribute('alt') ?? '');
  const img = document.createElement('img');
  img.src = src;
  img.alt = node.getAttribute('alt') ?? '';
  const style = node.getAttribute(STYLE);
  if (style) img.style.cssText = style;
  for (const name of ['width', 'height']) {
    const value = node.getAttribute(name);
    if (value) img.setAttribute(name, value);
  }
  return img;
}
