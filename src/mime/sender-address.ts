/**
 * Mailbox formatting for header fields we write: `"Display Name" <addr>`, with non-ASCII
 * names as RFC 2047 encoded words. Names and addresses were checked at the API edge (no
 * line breaks, one addr-spec), so only quoting and encoding happen here.
 */
const ATEXT_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Bytes of UTF-8 per encoded word: 45 bytes → 60 base64 chars, + 12 for `=?UTF-8?B??=` stays under 75. */
const WORD_BYTES = 45;

export function formatMailbox(name: string | undefined, address: string): string {
  const display = name?.trim();
  if (!display) return `<${address}>`;
  return `${displayPhrase(display)} <${address}>`;
}

export function displayPhrase(name: string): string {
  if (ATEXT_PHRASE.test(name) && !/^ | $| {2}/.test(name)) return `"${name}"`;
  if (PRINTABLE_ASCII.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}"`;
  return encodedWords(name).join('\r\n ');
}

/** RFC 2047 B-encoded words, split on character boundaries (a word never cuts a UTF-8 sequence). */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > WORD_BYTES) {
      words.push(encodeWord(chunk));
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(encodeWord(chunk));
  return words;
}

function encodeWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/**
 * The addr-spec inside a From/Reply-To value (`Name <a@b>` or `a@b`); undefined when none is
 * found. Split into runs and checked with indexOf rather than `/([^…]+@[^…]+)/`, which
 * backtracks quadratically on a long header value without an `@` (256 KiB: minutes).
 */
export function addressIn(value: string): string | undefined {
  for (const part of value.split('<').slice(1)) {
    const inner = part.split(/[<>\s]/, 1)[0] ?? '';
    if (part.charAt(inner.length) === '>' && isAddrSpec(inner)) return inner;
  }
  return value.split(/[\s<>",;:()]/).find(isAddrSpec);
}

/** Something on both sides of an `@`. */
function isAddrSpec(run: string): boolean {
  const at = run.indexOf('@', 1);
  return at > 0 && at < run.length - 1;
}
