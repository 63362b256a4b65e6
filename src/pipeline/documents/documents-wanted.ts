import type { ContentSettings } from '../content/content-settings.js';
import { findVariables } from '../content/template-syntax.js';
import type { DocumentType } from '../detect/document-types.js';
import { DOCUMENT_VARIABLES } from './document-variables.js';

const FROM_DOCUMENTS: ReadonlySet<string> = new Set(DOCUMENT_VARIABLES);

type WantedSettings = Pick<
  ContentSettings,
  'subjects' | 'texts' | 'defaultTexts' | 'body' | 'layout' | 'holdInvalidEInvoices'
>;

/**
 * Attachments are read only when something uses what they say: the hold for invalid e-invoices,
 * a language not settled by the recipient (`languageSettled` false), or a template of this
 * document type (subject, replacing text, custom layout) that names a variable a document gives.
 * Reading costs a worker's time per attachment (docs/e-invoice.md); a tenant whose texts only
 * say `%document-type%` never pays it.
 */
export function documentsWanted(settings: WantedSettings, type: DocumentType, languageSettled: boolean): boolean {
  if (settings.holdInvalidEInvoices || !languageSettled) return true;
  return templatesOf(settings, type).some(usesDocumentVariable);
}

function templatesOf(settings: WantedSettings, type: DocumentType): string[] {
  const subjects = Object.values(settings.subjects[type] ?? {});
  const name = settings.defaultTexts[type];
  const replacing = settings.body[type] === 'replace' && name !== undefined && Object.hasOwn(settings.texts, name);
  const texts = replacing ? Object.values(settings.texts[name] ?? {}) : [];
  const layout = typeof settings.layout === 'object' ? [settings.layout.custom] : [];
  return [...subjects, ...texts, ...layout];
}

function usesDocumentVariable(template: string): boolean {
  return findVariables(template).some((ref) => FROM_DOCUMENTS.has(ref.name));
}
