import { documentTypeName, type DocumentType } from '../detect/document-types.js';
import type { Variables } from './render-template.js';
import type { DocumentFacts } from '../../documents/facts.js';
import { documentVariables } from '../documents/document-variables.js';

/** Variables every template may use. Captures and constants add to these. */
export const BUILTIN_VARIABLES = [
  'document-number',
  'document-type',
  'client-name',
  'company-name',
  'amount',
  'due-date',
  'document-date',
  'payment-reference',
] as const;

/** Only meaningful in a custom layout. */
export const LAYOUT_ONLY_VARIABLES = ['content'] as const;

/** What detection found, as far as variables are concerned. */
export interface DetectedValues {
  readonly documentType: DocumentType;
  /** Captured values by canonical name, already on one line (see detect.ts). */
  readonly variables: Readonly<Record<string, string>>;
  /** Facts of the attached documents, already merged and confident enough (pipeline/documents/). */
  readonly facts?: DocumentFacts;
}

/**
 * The values for one message in one language. Precedence: the attached documents' facts
 * (formatted in `language`), then built-ins we compute, then rule captures and the To display
 * name, then tenant constants. A document that says who the buyer is knows better than the
 * package's To header or subject; the precedence is documented in docs/e-invoice.md, "Using the facts".
 */
export function buildVariables(
  detection: DetectedValues,
  settings: { readonly constants?: Readonly<Record<string, string>>; readonly companyName?: string },
  language: string,
): Variables {
  const vars: Record<string, string> = { ...settings.constants, ...detection.variables };
  vars['document-type'] = documentTypeName(detection.documentType, language);
  if (settings.companyName !== undefined) vars['company-name'] = settings.companyName;
  if (detection.facts !== undefined) Object.assign(vars, documentVariables(detection.facts, language));
  return vars;
}
