/**
 * Texts a tenant reads, in each language the settings page speaks, keyed by a stable code.
 * An entry's English template is also how the text is recognised: code that words a refusal
 * in English (a zod refine, a conflict) needs no change to be answered in Dutch, as long as
 * its words are in a catalog. Placeholders: `{name}` any text, `{name:n}` digits, `{name:t}`
 * a text that is itself translated (a reason quoted inside another text).
 */
export type Language = 'en' | 'nl';
export const LANGUAGES: readonly Language[] = ['en', 'nl'];

export interface CatalogEntry {
  readonly code: string;
  readonly en: string;
  readonly nl: string;
  /** A wrapper that only adds a position: the text takes the code of the text it wraps. */
  readonly wrapsCode?: boolean;
}

/** A text with its stable code; `code` is undefined for a text no catalog knows (it stays as it is). */
export interface Localised {
  readonly code: string | undefined;
  readonly text: string;
}

export type Params = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\{(\w+)(?::([nt]))?\}/g;

/** Fills `{name}` and `{name:n}` placeholders of a template. */
export function fill(template: string, params: Params = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

interface Compiled {
  readonly entry: CatalogEntry;
  readonly pattern: RegExp;
  readonly names: readonly { readonly name: string; readonly nested: boolean }[];
}

function compile(entry: CatalogEntry): Compiled {
  const names: { name: string; nested: boolean }[] = [];
  let source = '';
  let last = 0;
  for (const m of entry.en.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(entry.en.slice(last, m.index)) + (m[2] === 'n' ? '(\\d+)' : '([\\s\\S]+?)');
    names.push({ name: m[1] ?? '', nested: m[2] === 't' });
    last = m.index + m[0].length;
  }
  source += escapeRegExp(entry.en.slice(last));
  return { entry, pattern: new RegExp(`^${source}$`), names };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface TextCatalog {
  /** The text in `lang` with its code; an unknown text comes back as it is, without a code. */
  localise(text: string, lang: Language): Localised;
  /** The text of one code in `lang` (the code itself when unknown). */
  render(code: string, params: Params, lang: Language): string;
}

/**
 * Texts can quote what a tenant typed or published (a variable name, a DNS record): longer ones
 * are left as they are, and wrappers nest only so deep, so matching stays cheap whatever the input.
 */
const MAX_TEXT = 4096;
const MAX_NESTING = 3;

/** Entries are tried in order: put a wrapper (`{inner:t} (at {start:n})`) before the texts it wraps. */
export function createCatalog(entries: readonly CatalogEntry[]): TextCatalog {
  const compiled = entries.map(compile);
  const byCode = new Map<string, CatalogEntry>();
  for (const entry of entries) if (!byCode.has(entry.code)) byCode.set(entry.code, entry);
  const localise = (text: string, lang: Language, depth = 0): Localised => {
    if (text.length > MAX_TEXT || depth > MAX_NESTING) return { code: undefined, text };
    for (const c of compiled) {
      const m = c.pattern.exec(text);
      if (!m) continue;
      const params: Record<string, string> = {};
      let inner: string | undefined;
      c.names.forEach(({ name, nested }, i) => {
        const value = m[i + 1] ?? '';
        if (!nested) {
          params[name] = value;
          return;
        }
        const localised = localise(value, lang, depth + 1);
        params[name] = localised.text;
        inner ??= localised.code;
      });
      return { code: c.entry.wrapsCode === true ? inner : c.entry.code, text: fill(c.entry[lang], params) };
    }
    return { code: undefined, text };
  };
  return {
    localise: (text, lang) => localise(text, lang),
    render: (code, params, lang) => {
      const entry = byCode.get(code);
      return entry ? fill(entry[lang], params) : code;
    },
  };
}

/**
 * The language of an HTTP request from its Accept-Language header: the supported language
 * with the highest weight (`nl-BE` counts as `nl`), English when none is supported.
 */
export function languageOf(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'en';
  let best: { lang: Language; q: number } | undefined;
  for (const part of acceptLanguage.split(',').slice(0, 20)) {
    const [tag = '', ...attrs] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    const lang = LANGUAGES.find((l) => l === primary);
    if (!lang) continue;
    const qAttr = attrs.map((a) => a.trim()).find((a) => a.startsWith('q='));
    const q = qAttr === undefined ? 1 : Number(qAttr.slice(2));
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}
