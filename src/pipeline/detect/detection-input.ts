import type { AddressObject, EmailAddress, HeaderValue, ParsedMail } from 'mailparser';
import type { DetectionInput } from './detect.js';
import { htmlToText } from '../content/html-to-text.js';

/** The part of a parsed legacy mail that detection looks at. */
function flatten(entries: readonly EmailAddress[]): EmailAddress[] {
  return entries.flatMap((e) => (e.group ? flatten(e.group) : [e]));
}

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  if (value === undefined) return [];
  return flatten((Array.isArray(value) ? value : [value]).flatMap((o) => o.value));
}

function isAddressObject(value: object): value is AddressObject {
  return 'value' in value && 'text' in value && Array.isArray((value as AddressObject).value);
}

function headerStrings(value: HeaderValue): string[] {
  if (typeof value === 'string') return [value];
  if (value instanceof Date) return [value.toISOString()];
  if (Array.isArray(value)) return (value as readonly HeaderValue[]).flatMap(headerStrings);
  if (isAddressObject(value)) return [value.text];
  if ('value' in value && typeof value.value === 'string') return [value.value];
  return [];
}

export function detectionInputFrom(parsed: ParsedMail): DetectionInput {
  const headers = new Map<string, string[]>();
  for (const [name, value] of parsed.headers) headers.set(name.toLowerCase(), headerStrings(value));
  const html = typeof parsed.html === 'string' ? parsed.html : undefined;
  return {
    subject: parsed.subject ?? '',
    text: parsed.text ?? (html !== undefined ? htmlToText(html) : ''),
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })),
    from: addresses(parsed.from)[0]?.address ?? '',
    to: addresses(parsed.to).map((a) => ({ address: (a.address ?? '').toLowerCase(), name: a.name })),
    headers,
  };
}
