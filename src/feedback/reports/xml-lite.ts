import { ReportRejected } from './report-error.js';

/** An element: its local name (namespace prefix dropped), child elements and text. Attributes are not kept. */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][\w.:-]*/;

/**
 * A small XML reader for report files, bounded by design: no DOCTYPE (so no entity
 * definitions and no external entities, the billion-laughs and XXE routes), only the five
 * predefined entities and character references, a nesting limit, and one linear pass.
 */
export function parseXml(text: string, maxDepth: number): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const top = stack[stack.length - 1] as XmlElement;
    if (lt < 0) {
      requireBlank(text.slice(at), stack.length);
      break;
    }
    if (lt > at) top.text += decode(text.slice(at, lt));
    at = markup(text, lt, stack, maxDepth);
  }
  if (stack.length > 1) throw bad(`unclosed <${stack[stack.length - 1]?.name}>`);
  const [document] = root.children;
  if (document === undefined || root.children.length > 1) throw bad('not one root element');
  return document;
}

/** Handles the markup at `lt`; returns where the text after it starts. */
function markup(text: string, lt: number, stack: XmlElement[], maxDepth: number): number {
  const top = stack[stack.length - 1] as XmlElement;
  if (text.startsWith('<?', lt)) return after(text, '?>', lt);
  if (text.startsWith('<!--', lt)) return after(text, '-->', lt);
  if (text.startsWith('<![CDATA[', lt)) {
    const end = after(text, ']]>', lt);
    top.text += text.slice(lt + 9, end - 3);
    return end;
  }
  if (text.startsWith('<!', lt)) throw new ReportRejected('doctype', 'DOCTYPE and entity declarations are refused');
  const end = after(text, '>', lt);
  const inner = text.slice(lt + 1, end - 1);
  if (inner.startsWith('/')) return close(inner.slice(1).trim(), stack, end);
  const name = NAME.exec(inner)?.[0];
  if (name === undefined) throw bad('bad tag');
  const element: XmlElement = { name: localName(name), children: [], text: '' };
  top.children.push(element);
  if (!inner.endsWith('/')) stack.push(element);
  if (stack.length > maxDepth + 1) throw bad('nested too deeply');
  return end;
}

function close(name: string, stack: XmlElement[], end: number): number {
  const open = stack.pop();
  if (open === undefined || stack.length === 0 || open.name !== localName(name)) throw bad(`unexpected </${name}>`);
  return end;
}

function after(text: string, token: string, from: number): number {
  const found = text.indexOf(token, from + 1);
  if (found < 0) throw bad(`unterminated markup, expected ${token}`);
  return found + token.length;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function requireBlank(rest: string, depth: number): void {
  if (depth > 1 || rest.trim() !== '') throw bad('text after the root element');
}

function decode(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z_][\w.-]{0,30});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw bad('bare &');
    if (ref.startsWith('#x')) return codePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10));
    const known = ENTITIES[ref];
    if (known === undefined) throw bad(`unknown entity &${ref};`);
    return known;
  });
}

function codePoint(n: number): string {
  if (n > 0x10ffff || n === 0) throw bad('bad character reference');
  return String.fromCodePoint(n);
}

function bad(what: string): ReportRejected {
  return new ReportRejected('bad-xml', what);
}

/** The first child with this name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** The trimmed text of the descendant at this path of names, or ''. */
export function textAt(element: XmlElement | undefined, ...path: string[]): string {
  let at = element;
  for (const name of path) at = child(at, name);
  return at?.text.trim() ?? '';
}
