import { documentTypeName, type DocumentType } from '../detect/document-types.js';
import type { Variables } from './render-template.js';

/** Variables every template may use. Captures and constants add to these. */
export const BUILTIN_VARIABLES = [
  'document-number',
  'document-type',
  'client-name',
  'company-name',
  'amount',
  'due-date',
] as const;

/** Only meaningful in a custom layout. */
export const LAYOUT_ONLY_VARIABLES = ['content'] as const;

/** What detection found, as far as variables are concerned. */
export interface DetectedValues {
  readonly documentType: DocumentType;
  /** Captured values by canonical name, already on one line (see detect.ts). */
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * The values for one message in one language. Precedence: built-ins we compute, then rule
 * captures (most specific), then tenant constants.
 */
export function buildVariables(
  detection: DetectedValues,
  settings: { readonly constants?: Readonly<Record<string, string>>; readonly companyName?: string },
  language: string,
): Variables {
  const vars: Record<string, string> = { ...settings.constants, ...detection.variables };
  vars['document-type'] = documentTypeName(detection.documentType, language);
  if (settings.companyName !== undefined) vars['company-name'] = settings.companyName;
  return vars;
}
