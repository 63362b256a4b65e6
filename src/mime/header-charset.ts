import { TextDecoder } from 'node:util';
import { fieldName, fieldValue } from './header-fields.js';
import type { HeaderedMessage } from './headered-message.js';
import { encodedWords, formatMailbox } from './sender-address.js';

/**
 * Raw 8-bit header text, as old invoicing packages write it (Latin-1 or Windows-1252 bytes in
 * Subject and display names), made standard: decoded with the charset it most likely is and
 * written back as RFC 2047 encoded words, so no reader shows U+FFFD. Which charset:
 *   1. valid UTF-8 (with at least one non-ASCII sequence): UTF-8. Latin-1 text with accents
 *      practically never forms valid UTF-8, while packages that write UTF-8 headers next to a
 *      Latin-1 body do exist, so this test comes before the declared charset;
 *   2. the charset the message declares (Content-Type of the message or its first text part),
 *      when this runtime knows it (iso-8859-2, windows-1250, koi8-r, ...);
 *   3. Windows-1252 (a superset of the printable Latin-1 most such packages mean).
 * Address fields keep their addresses (an internationalised address stays UTF-8, RFC 6532:
 * the message then needs SMTPUTF8 on the way) and get encoded display names; unstructured
 * fields (Subject, X-...) get encoded words; other structured fields are written as UTF-8.
 * An all-ASCII header block costs one test per field and is returned as the same object.
 */

const ADDRESS_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'resent-from',
  'resent-sender',
  'resent-to',
  'resent-cc',
  'resent-bcc',
  'disposition-notification-to',
]);

/** Fields with a structure of their own (RFC 5322, 2045, 2183): no encoded words there. */
const STRUCTURED_FIELDS: ReadonlySet<string> = new Set([
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'received',
  'return-path',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
  'dkim-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
  'authentication-results',
]);

const EIGHT_BIT = /[\x80-\xff]/;
/** RFC 5322 2.1.1: lines SHOULD stay within 78 characters. */
const FOLD_AT = 78;

/** The message with every 8-bit header field re-encoded; the same object when there was none. */
export function reencodeHeaders(message: HeaderedMessage): HeaderedMessage {
  if (!message.fields.some((f) => EIGHT_BIT.test(f))) return message;
  const decode = headerDecoder(message);
  const fields = message.fields.map((f) => (EIGHT_BIT.test(f) ? reencodeField(f, decode) : f));
  return { ...message, fields };
}

/** A field's bytes (a latin1 string) to text; chosen once per message. */
type Decode = (bytes: string) => string;

function headerDecoder(message: HeaderedMessage): Decode {
  const bytes = Buffer.from(message.fields.filter((f) => EIGHT_BIT.test(f)).join('\n'), 'latin1');
  if (isUtf8(bytes)) return (s) => Buffer.from(s, 'latin1').toString('utf8');
  const declared = decoderFor(declaredCharset(message));
  return declared ? (s) => declared.decode(Buffer.from(s, 'latin1')) : windows1252;
}

/** 0x80 to 0x9F of Windows-1252 (U+FFFD where it has no character); the rest is Latin-1. */
const CP1252_HIGH =
  '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178';

/** Node 20's TextDecoder reads 'windows-1252' as Latin-1 (0x96 becomes U+0096, not "–"): decoded here. */
function windows1252(bytes: string): string {
  return bytes.replace(/[\x80-\x9f]/g, (ch) => CP1252_HIGH.charAt(ch.charCodeAt(0) - 0x80));
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A decoder for a declared charset; undefined for UTF-8 (invalid here), Windows-1252 and unknown ones. */
function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (label === undefined) return undefined;
  try {
    const decoder = new TextDecoder(label);
    // Latin-1 labels are Windows-1252 (WHATWG), which windows1252() decodes right.
    return decoder.encoding === 'utf-8' || decoder.encoding === 'windows-1252' ? undefined : decoder;
  } catch {
    return undefined;
  }
}

/** How far into the body a part's declared charset is looked for. */
const CHARSET_WINDOW = 64 * 1024;

function declaredCharset(message: HeaderedMessage): string | undefined {
  const top = message.fields.find((f) => fieldName(f) === 'content-type');
  const own = top === undefined ? undefined : charsetParam(fieldValue(top));
  if (own !== undefined) return own;
  const text = message.rest.toString('latin1', 0, Math.min(message.rest.length, CHARSET_WINDOW));
  const part = /^content-type:[ \t]*text\/[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/im.exec(text)?.[0];
  return part === undefined ? undefined : charsetParam(part);
}

function charsetParam(value: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1];
}

function reencodeField(field: string, decode: Decode): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon);
  const lower = fieldName(field);
  const value = decode(fieldValue(field));
  if (ADDRESS_FIELDS.has(lower)) {
    const mailboxes = addressValue(value);
    if (mailboxes !== undefined) return fold(name, mailboxes, ', ');
  } else if (lower === 'content-type' || lower === 'content-disposition') {
    return `${name}: ${encodedParameters(value)}`;
  } else if (!STRUCTURED_FIELDS.has(lower)) {
    return fold(name, unstructured(value), ' ');
  }
  // UTF-8 as it is (RFC 6532): a structure we do not rewrite, e.g. an address list we cannot read.
  return `${name}: ${Buffer.from(value, 'utf8').toString('latin1')}`;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Plain words stay readable; the stretch from the first to the last non-ASCII word is encoded. */
function unstructured(text: string): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const first = words.findIndex((w) => NON_ASCII.test(w));
  if (first === -1) return words;
  const last = words.length - 1 - [...words].reverse().findIndex((w) => NON_ASCII.test(w));
  return [...words.slice(0, first), ...encodedWords(words.slice(first, last + 1).join(' ')), ...words.slice(last + 1)];
}

/**
 * A file name in Latin-1 (`name="Factuur_für.pdf"`) as a quoted RFC 2047 word, as mail programs
 * write and read it; only parameter values with non-ASCII text change.
 */
function encodedParameters(value: string): string {
  return value.replace(
    /(=\s*)(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g,
    (whole, eq: string, quoted?: string, token?: string) => {
      const text = quoted === undefined ? (token ?? '') : quoted.replace(/\\(.)/g, '$1');
      return NON_ASCII.test(text) ? `${eq}"${encodedWords(text).join(' ')}"` : whole;
    },
  );
}

/**
 * `Name <addr>` or `addr` items of an address list, each with its name encoded where needed;
 * undefined when the list has groups, comments or anything we cannot read back exactly.
 */
function addressValue(value: string): string[] | undefined {
  const items = splitList(value);
  if (items === undefined) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const angle = /^(.*?)<([^<>\s]+@[^<>\s]+)>$/.exec(item);
    if (angle) out.push(formatMailbox(unquote(angle[1] ?? ''), angle[2] ?? ''));
    else if (/^[^\s<>"(),;:]+@[^\s<>"(),;:]+$/.test(item)) out.push(item);
    else return undefined;
  }
  return out.map((m) => Buffer.from(m, 'utf8').toString('latin1'));
}

/** Splits at commas outside quotes and angle brackets; undefined on groups or comments. */
function splitList(value: string): string[] | undefined {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    if (quoted && ch === '\\') {
      current += ch + (value[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    else if (!quoted && !angle && (ch === '(' || ch === ':' || ch === ';')) return undefined;
    if (!quoted && !angle && ch === ',') {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  items.push(current.trim());
  return items.filter((i) => i !== '');
}

function unquote(phrase: string): string {
  const trimmed = phrase.trim();
  if (!trimmed.startsWith('"') || !trimmed.endsWith('"') || trimmed.length < 2) return trimmed;
  return trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** `Name: item sep item ...` folded before an item that would pass FOLD_AT; items carry their own folds. */
function fold(name: string, items: readonly string[], sep: string): string {
  let out = `${name}:`;
  let line = out.length;
  items.forEach((item, i) => {
    const piece = i === 0 ? ` ${item}` : `${sep.trimEnd()} ${item}`;
    const head = item.split('\r\n')[0] ?? item;
    if (i > 0 && line + piece.length > FOLD_AT && head.length + 1 < FOLD_AT) {
      out += `${sep.trimEnd()}\r\n ${item}`;
      line = 1 + lastLineLength(item);
    } else {
      out += piece;
      line = item.includes('\r\n') ? lastLineLength(item) : line + piece.length;
    }
  });
  return out;
}

function lastLineLength(text: string): number {
  const at = text.lastIndexOf('\r\n');
  return at === -1 ? text.length : text.length - at - 2;
}
