/**
 * A structural pass over the decoded text before the parser sees it, so that hostile XML costs
 * one linear scan and nothing more: a DOCTYPE (the door to entity expansion and external
 * entities) is refused outright, nesting is capped (50 MB of `<a><a><a>…` never reaches a
 * recursive step), the number of elements and attributes is capped (the parser spends a few
 * microseconds and some hundred bytes on each: 10 MB of `<a/>` would cost seconds and half a
 * gigabyte), and tags must match (the parser itself accepts `<a><b></a>` and truncated
 * files). It also reads the root element's name and namespace, which decide the format.
 */

export const MAX_XML_DEPTH = 64;
/** A 4 000-line UBL invoice has about 90 000; more costs the parser about a second. */
export const MAX_XML_NODES = 100_000;

export interface XmlRoot {
  /** Local name, without prefix: "Invoice", "CrossIndustryInvoice". */
  readonly name: string;
  readonly namespace?: string;
}

export type Scanned = { readonly root: XmlRoot } | { readonly problem: string };

const OPEN_TAG = /<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.source;
const NS_DECL = /\sxmlns(?::([^\s=]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function rootOf(qname: string, attributes: string): XmlRoot {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? undefined : qname.slice(0, colon);
  for (const m of attributes.matchAll(NS_DECL)) {
    if (m[1] === prefix) return { name: qname.slice(colon + 1), namespace: m[2] ?? m[3] ?? '' };
  }
  return { name: qname.slice(colon + 1) };
}

/** Where `<!…` markup ends, or a problem: comments and CDATA pass, declarations do not. */
function skipBang(text: string, lt: number, inRoot: boolean): number | string {
  if (text.startsWith('!--', lt + 1)) return after(text, '-->', lt + 4);
  if (text.startsWith('![CDATA[', lt + 1) && inRoot) return after(text, ']]>', lt + 9);
  if (/^<!doctype/i.test(text.slice(lt, lt + 9))) return 'DOCTYPE refused';
  return 'markup declaration refused';
}

function after(text: string, end: string, from: number): number | string {
  const at = text.indexOf(end, from);
  return at < 0 ? 'XML is truncated' : at + end.length;
}

interface Walk {
  readonly stack: string[];
  /** Sticky, so each start tag is matched where it begins; one per scan, as lastIndex is state. */
  readonly openTag: RegExp;
  root?: XmlRoot;
  /** Elements and attributes so far. */
  nodes: number;
}

function attributeCount(attributes: string): number {
  let n = 0;
  for (let at = attributes.indexOf('='); at >= 0; at = attributes.indexOf('=', at + 1)) n++;
  return n;
}

function closeTag(text: string, lt: number, walk: Walk): number | string {
  const end = text.indexOf('>', lt);
  if (end < 0) return 'XML is truncated';
  const name = text.slice(lt + 2, end).trim();
  const open = walk.stack.pop();
  if (open !== name) return open === undefined ? `stray closing tag </${name}>` : `</${name}> does not close <${open}>`;
  return end + 1;
}

function openTag(text: string, lt: number, walk: Walk, maxDepth: number): number | string {
  walk.openTag.lastIndex = lt;
  const m = walk.openTag.exec(text);
  if (m === null) return text.indexOf('>', lt) < 0 ? 'XML is truncated' : 'malformed start tag';
  const [, name = '', attributes = '', selfClosing] = m;
  if (walk.stack.length === 0) {
    if (walk.root !== undefined) return 'more than one root element';
    walk.root = rootOf(name, attributes);
  }
  if (selfClosing !== '/') walk.stack.push(name);
  if (walk.stack.length > maxDepth) return `elements nested deeper than ${maxDepth}`;
  walk.nodes += 1 + (attributes === '' ? 0 : attributeCount(attributes));
  if (walk.nodes > MAX_XML_NODES) return `more than ${MAX_XML_NODES} elements and attributes`;
  return walk.openTag.lastIndex;
}

function step(text: string, lt: number, walk: Walk, maxDepth: number): number | string {
  const next = text[lt + 1];
  if (next === '?') return after(text, '?>', lt + 2);
  if (next === '!') return skipBang(text, lt, walk.stack.length > 0);
  if (next === '/') return closeTag(text, lt, walk);
  return openTag(text, lt, walk, maxDepth);
}

export function scanXml(text: string, maxDepth = MAX_XML_DEPTH): Scanned {
  const walk: Walk = { stack: [], openTag: new RegExp(OPEN_TAG, 'y'), nodes: 0 };
  let i = 0;
  for (let lt = text.indexOf('<'); lt >= 0; lt = text.indexOf('<', i)) {
    if (walk.stack.length === 0 && text.slice(i, lt).trim() !== '') return { problem: 'text outside the root element' };
    const next = step(text, lt, walk, maxDepth);
    if (typeof next === 'string') return { problem: next };
    i = next;
  }
  if (walk.root === undefined) return { problem: 'no XML root element' };
  if (walk.stack.length > 0) return { problem: `XML is truncated: <${walk.stack.at(-1)}> is not closed` };
  if (text.slice(i).trim() !== '') return { problem: 'text outside the root element' };
  return { root: walk.root };
}
