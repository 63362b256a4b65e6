import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * One normal form of an address for deciding who owns it. Pure, no I/O. Every check that
 * asks "may this tenant send as this address?" (MAIL FROM, header From/Sender/Reply-To, the
 * pipeline's rewrites) goes through here, so that no spelling of an address slips past one
 * check and not another: upper case, a trailing dot, a U-label and its A-label all decide on
 * the same domain, and forms that route mail somewhere other than their last domain are refused.
 */
export interface OwnedAddress {
  readonly kind: 'address';
  /** Local part as written (quotes removed); ownership never depends on it except for platform addresses. */
  readonly local: string;
  /**
   * The domain that decides ownership: lower-case A-labels, no trailing dot; `[…]` for an address literal (owned by no
   * one).
   */
  readonly domain: string;
  /** True when some label is an A-label (`xn--`): such a domain is owned only by an exact match. */
  readonly idn: boolean;
  /** An all-ASCII look-alike of an IDN domain (`pаypal.com` with a Cyrillic а → `paypal.com`), when there is one. */
  readonly lookalike?: string;
  /** True when the local part has non-ASCII characters (needs SMTPUTF8 in an envelope). */
  readonly utf8Local: boolean;
}

export type AddressFormRefusal = 'source-route' | 'percent-path' | 'bang-path' | 'at-in-local-part' | 'bad-domain';

export interface RefusedAddress {
  readonly kind: 'refused';
  readonly why: AddressFormRefusal;
}

/** Plain words for each refusal, for SMTP reply texts and logs. */
export const FORM_WORDS: Readonly<Record<AddressFormRefusal, string>> = Object.freeze({
  'source-route': 'source routes are not accepted',
  'percent-path': '% routing in the local part is not accepted',
  'bang-path': '! routing in the local part is not accepted',
  'at-in-local-part': '@ inside the local part is not accepted',
  'bad-domain': 'the domain is not a valid host name',
});

const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Normalises `address` (an addr-spec, optionally in `<…>`) for an ownership decision. */
export function ownershipForm(address: string): OwnedAddress | RefusedAddress {
  let text = address.trim();
  if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1).trim();
  if (text.startsWith('@')) return refused('source-route');
  const at = lastAtOutsideQuotes(text);
  if (at <= 0) return refused('bad-domain');
  const local = unquote(text.slice(0, at));
  const why = localPartRefusal(local, text.slice(0, at));
  if (why) return refused(why);
  const utf8Local = /[^\x00-\x7f]/.test(local);
  const rawDomain = text.slice(at + 1);
  // An address literal names a host, not a domain anyone can verify: no tenant owns it.
  if (rawDomain.startsWith('[') && rawDomain.endsWith(']'))
    return { kind: 'address', local, domain: rawDomain.toLowerCase(), idn: false, utf8Local };
  const domain = asciiDomain(rawDomain);
  if (domain === undefined) return refused('bad-domain');
  const idn = domain.split('.').some((l) => l.startsWith('xn--'));
  const lookalike = idn ? asciiLookalike(domain) : undefined;
  return {
    kind: 'address',
    local,
    domain,
    idn,
    utf8Local,
    ...(lookalike !== undefined && lookalike !== domain ? { lookalike } : {}),
  };
}

/**
 * The domain part after case folding, IDN mapping (UTS #46) and dropping one trailing dot; undefined when not a host
 * name.
 */
export function asciiDomain(raw: string): string | undefined {
  const trimmed = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (trimmed === '' || trimmed.length > 253) return undefined;
  const ascii = domainToASCII(trimmed);
  if (ascii === '' || ascii.endsWith('.')) return undefined;
  const labels = ascii.split('.');
  return labels.length >= 2 && labels.every((l) => LDH_LABEL.test(l)) ? ascii : undefined;
}

/** The domain and each parent down to the registrable-looking last two labels, nearest first. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

function refused(why: AddressFormRefusal): RefusedAddress {
  return { kind: 'refused', why };
}

function lastAtOutsideQuotes(text: string): number {
  let quoted = false;
  let at = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === '@' && !quoted) at = i;
  }
  return at;
}

function unquote(local: string): string {
  if (local.length < 2 || !local.startsWith('"') || !local.endsWith('"')) return local;
  return local.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * `%` and `!` paths make some relays route on the part before them (`user%victim@relay`,
 * `victim!user@relay`), and an `@` in a quoted local part makes a lax parser see a second
 * domain: none of them has an honest use in a sender address, so each is refused.
 */
function localPartRefusal(local: string, written: string): AddressFormRefusal | undefined {
  if (local.includes('@') || written.includes('@')) return 'at-in-local-part';
  if (local.includes('%')) return 'percent-path';
  if (local.includes('!')) return 'bang-path';
  return undefined;
}

/**
 * Letters of other scripts that look like Latin ones (the common part of Unicode's
 * confusables for Cyrillic and Greek). With NFKD and the accents stripped, this maps
 * `pаypal.com` (Cyrillic а) and `rаbobаnk.nl` to what a reader sees.
 */
const CONFUSABLES: Readonly<Record<string, string>> = Object.freeze({
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ո: 'n',
  ց: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ı: 'i',
  ɑ: 'a',
  ɡ: 'g',
  ℓ: 'l',
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ŀ: 'l',
  ß: 'ss',
});

function asciiLookalike(domain: string): string | undefined {
  const unicode = domainToUnicode(domain).normalize('NFKD').replace(/\p{M}/gu, '');
  let out = '';
  for (const ch of unicode) out += CONFUSABLES[ch] ?? ch;
  return asciiDomain(out) === out ? out : undefined;
}
