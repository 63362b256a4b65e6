import { XMLParser } from 'fast-xml-parser';

/**
 * The parsed tree and the few ways the readers walk it. Elements are keyed by local name (the
 * prefixes `cbc:`, `ram:` … vary between producers; the root's namespace was checked before),
 * every child is a list, and text stays exactly as written (no number parsing: "0123" stays).
 * Entity processing is off; only the five predefined entities and character references are
 * decoded here, which cannot expand.
 */

export interface XmlNode {
  readonly [name: string]: unknown;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '@',
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  alwaysCreateTextNode: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/** Parses text that scanXml accepted; returns the root element's node. */
export function parseXmlTree(text: string, rootName: string): XmlNode | undefined {
  const doc = parser.parse(text) as XmlNode;
  const roots = doc[rootName];
  return Array.isArray(roots) ? (roots[0] as XmlNode | undefined) : undefined;
}

/** Every element reached by following the names from `node`, in document order. */
export function all(node: XmlNode | undefined, ...names: string[]): XmlNode[] {
  let level: XmlNode[] = node === undefined ? [] : [node];
  for (const name of names) level = level.flatMap((n) => (Array.isArray(n[name]) ? (n[name] as XmlNode[]) : []));
  return level;
}

export function first(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  return all(node, ...names)[0];
}

const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntity(_match: string, name: string): string {
  if (name[0] !== '#') return NAMED[name] ?? '';
  const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
}

function unescapeXml(raw: string): string {
  return raw.includes('&') ? raw.replace(ENTITY, decodeEntity) : raw;
}

/** The element's text with whitespace collapsed; undefined when absent or blank. */
export function text(node: XmlNode | undefined, ...names: string[]): string | undefined {
  const target = names.length === 0 ? node : first(node, ...names);
  const raw = target?.['#text'];
  if (typeof raw !== 'string') return undefined;
  const value = unescapeXml(raw).replace(/\s+/g, ' ').trim();
  return value === '' ? undefined : value;
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const group = node?.['@'] as Readonly<Record<string, unknown>> | undefined;
  const value = group?.[name];
  return typeof value === 'string' ? unescapeXml(value).trim() : undefined;
}
