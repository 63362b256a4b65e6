import type { ContentSettings } from './content-settings.js';
import type { Detection } from '../detect/detect.js';
import type { DocumentFacts } from '../../documents/facts.js';
import { documentLanguage, type DocumentLanguageSource } from '../documents/document-language.js';

export type LanguageSource =
  /** The package's X-Postbode-Language header (message-choice.ts). */
  'header' | 'rule' | 'recipient' | 'recipient-domain' | DocumentLanguageSource | 'document' | 'default';

export interface LanguageChoice {
  readonly language: string;
  /** Why, for the message log. */
  readonly source: LanguageSource;
}

type LanguageSettings = Pick<
  ContentSettings,
  'defaultLanguage' | 'recipientLanguages' | 'domainLanguages' | 'subjects' | 'texts'
>;

/** Languages the tenant wrote a subject or text in. */
export function languagesInUse(settings: Pick<ContentSettings, 'subjects' | 'texts' | 'defaultLanguage'>): Set<string> {
  const used = new Set<string>([settings.defaultLanguage]);
  for (const variants of [...Object.values(settings.subjects), ...Object.values(settings.texts)]) {
    for (const language of Object.keys(variants ?? {})) used.add(language);
  }
  return used;
}

/**
 * A tenant rule's language (fixed or captured) wins; then the language set for the recipient,
 * then for the recipient's domain. An attached document's buyer country, then its own language
 * come next (document-language.ts), then the built-in keyword's language ("Facture" → fr), each
 * only when the tenant wrote content in it: otherwise a Dutch text would get a French
 * `%document-type%`. Last, the tenant default.
 */
export function chooseLanguage(
  detection: Pick<Detection, 'language'>,
  recipient: string,
  settings: LanguageSettings,
  facts?: DocumentFacts,
): LanguageChoice {
  if (detection.language?.source === 'rule') return { language: detection.language.code, source: 'rule' };
  const address = recipient.trim().toLowerCase();
  const byAddress = Object.hasOwn(settings.recipientLanguages, address)
    ? settings.recipientLanguages[address]
    : undefined;
  if (byAddress !== undefined) return { language: byAddress, source: 'recipient' };
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const byDomain = domainLanguage(settings.domainLanguages, domain);
  if (byDomain !== undefined) return { language: byDomain, source: 'recipient-domain' };
  const fromDocument = facts !== undefined ? documentLanguage(facts, languagesInUse(settings)) : undefined;
  if (fromDocument !== undefined) return fromDocument;
  if (detection.language?.source === 'builtin' && languagesInUse(settings).has(detection.language.code)) {
    return { language: detection.language.code, source: 'document' };
  }
  return { language: settings.defaultLanguage, source: 'default' };
}

/** The domain itself, else its closest parent: `be.acme.example` falls back to `acme.example`. */
function domainLanguage(map: Readonly<Record<string, string>>, domain: string): string | undefined {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i += 1) {
    const candidate = labels.slice(i).join('.');
    if (Object.hasOwn(map, candidate)) return map[candidate];
  }
  return undefined;
}

/** Whether the language is decided before any attachment is read: a rule, the recipient or its domain. */
export function languageSettled(
  detection: Pick<Detection, 'language'>,
  recipient: string,
  settings: LanguageSettings,
): boolean {
  const source = chooseLanguage(detection, recipient, settings).source;
  return (
    source === 'rule' || source === 'recipient' || source === 'recipient-domain' || languagesInUse(settings).size < 2
  );
}
