/**
 * Turns an XML attachment's bytes into text: a byte-order mark or the declaration's `encoding`
 * decides, never the file name. Only encodings an e-invoice plausibly uses are accepted; bytes
 * that are not valid in the declared encoding are refused rather than guessed at.
 */

const SINGLE_BYTE: Readonly<Record<string, string>> = {
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'iso-8859-15': 'iso-8859-15',
  'windows-1252': 'windows-1252',
  'us-ascii': 'latin1',
  ascii: 'latin1',
};

export type Decoded = { readonly text: string } | { readonly problem: string };

function declaredEncoding(xml: Buffer): string | undefined {
  const head = xml.subarray(0, 200).toString('latin1');
  if (!head.startsWith('<?xml')) return undefined;
  const end = head.indexOf('?>');
  const decl = end < 0 ? head : head.slice(0, end);
  return /\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(decl)?.[1]?.toLowerCase();
}

function decode(xml: Buffer, label: string, skip: number): Decoded {
  try {
    return { text: new TextDecoder(label, { fatal: true }).decode(xml.subarray(skip)) };
  } catch {
    return { problem: `not valid ${label.toUpperCase()} text` };
  }
}

export function decodeXml(xml: Buffer): Decoded {
  if (xml[0] === 0xef && xml[1] === 0xbb && xml[2] === 0xbf) return decode(xml, 'utf-8', 3);
  if (xml[0] === 0xff && xml[1] === 0xfe) return decode(xml, 'utf-16le', 2);
  if (xml[0] === 0xfe && xml[1] === 0xff) return decode(xml, 'utf-16be', 2);
  const declared = declaredEncoding(xml);
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') return decode(xml, 'utf-8', 0);
  const single = SINGLE_BYTE[declared];
  if (single === undefined) return { problem: `encoding "${declared}" not supported` };
  return decode(xml, single, 0);
}
