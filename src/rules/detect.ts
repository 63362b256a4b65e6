import { builtinDetectionRules, builtinExtractors, type BuiltinRule } from './builtin-rules.js';
import type { DetectionRule } from './content-settings.js';
import type { DocumentType } from './document-types.js';
import { LANGUAGE_GROUP, rulePatternFlags } from './rule-pattern.js';
import { canonicalName, singleLine } from './template-syntax.js';

/**
 * Which document a legacy mail carries, and the variables found in it. Tenant rules run in
 * order, then the built-in ones. The first rule that matches decides the document type;
 * later rules of the same type only add variables not found yet (a subject rule gives the
 * number, a body rule the amount). Captured values are made single-line here, where they
 * enter, so that they are safe in a subject.
 */
export interface DetectionInput {
  readonly subject: string;
  readonly text: string;
  readonly attachments: readonly { readonly filename?: string | undefined; readonly contentType: string }[];
  /** Sender address. */
  readonly from: string;
  readonly to: readonly { readonly address: string; readonly name?: string | undefined }[];
  /** Header values by lower-case name. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export interface Detection {
  readonly documentType: DocumentType;
  readonly variables: Readonly<Record<string, string>>;
  /** Name of the deciding rule (`builtin:invoice-subject-nl` for built-ins), null when none matched. */
  readonly matchedRule: string | null;
  /** Language a rule fixed or captured; `builtin` hints come from the keyword's language. */
  readonly language?: { readonly code: string; readonly source: 'rule' | 'builtin' };
}

/** Rules see at most this much of a value, which bounds the cost of any pattern. */
export const MAX_MATCH_TEXT = 20_000;
/** Subjects and file names are short; built-in rules look at no more than this of them. */
const MAX_BUILTIN_MATCH = 1_000;

interface Runnable {
  readonly name: string;
  readonly field: DetectionRule['field'];
  readonly header?: string | undefined;
  readonly regex: RegExp;
  readonly documentType: DocumentType;
  readonly language?: string | undefined;
  readonly builtin: boolean;
}

interface Found {
  documentType: DocumentType;
  matchedRule: string;
  variables: Record<string, string>;
  language?: { code: string; source: 'rule' | 'builtin' };
}

function fromTenant(rule: DetectionRule): Runnable | undefined {
  try {
    const regex = new RegExp(rule.pattern, rulePatternFlags(rule.caseSensitive));
    return { name: rule.name, field: rule.field, header: rule.header, regex, documentType: rule.documentType, language: rule.language, builtin: false };
  } catch {
    return undefined; // validated on save; a pattern that no longer compiles is skipped, not fatal
  }
}

function fromBuiltin(rule: BuiltinRule): Runnable {
  return { name: rule.name, field: rule.field, regex: new RegExp(rule.pattern, rule.flags), documentType: rule.documentType, language: rule.language, builtin: true };
}

function valuesFor(rule: Runnable, input: DetectionInput): string[] {
  switch (rule.field) {
    case 'subject': return [input.subject];
    case 'text': return [input.text.slice(0, MAX_MATCH_TEXT)];
    case 'attachment-filename': return input.attachments.flatMap((a) => (a.filename ? [a.filename] : []));
    case 'sender': return [input.from];
    case 'recipient': return input.to.map((t) => t.address);
    case 'header': return [...(input.headers.get((rule.header ?? '').toLowerCase()) ?? [])];
  }
}

function firstMatch(rule: Runnable, input: DetectionInput): RegExpExecArray | undefined {
  for (const value of valuesFor(rule, input)) {
    const match = rule.regex.exec(value.slice(0, rule.builtin ? MAX_BUILTIN_MATCH : MAX_MATCH_TEXT));
    if (match) return match;
  }
  return undefined;
}

function apply(found: Found, rule: Runnable, match: RegExpExecArray): void {
  for (const [group, raw] of Object.entries(match.groups ?? {})) {
    if (raw === undefined) continue;
    const name = canonicalName(group);
    const value = singleLine(raw);
    if (value === '') continue;
    if (name === LANGUAGE_GROUP) {
      const code = value.toLowerCase();
      if (/^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/.test(code) && found.language?.source !== 'rule') found.language = { code, source: 'rule' };
    } else if (!Object.hasOwn(found.variables, name)) {
      found.variables[name] = value;
    }
  }
  if (rule.language !== undefined && found.language === undefined) {
    found.language = { code: rule.language, source: rule.builtin ? 'builtin' : 'rule' };
  }
}

function extract(found: Found, input: DetectionInput): void {
  const text = input.text.slice(0, MAX_MATCH_TEXT);
  for (const extractor of builtinExtractors()) {
    if (Object.hasOwn(found.variables, extractor.variable)) continue;
    const matches = [...text.matchAll(new RegExp(extractor.pattern, 'giu'))];
    const chosen = extractor.last ? matches.at(-1) : matches[0];
    const value = chosen?.groups?.value;
    if (value !== undefined) found.variables[extractor.variable] = singleLine(value.replace(/\u00a0/g, ' '));
  }
}

export function detectDocument(input: DetectionInput, rules: readonly DetectionRule[], builtins = true): Detection {
  const runnable = [
    ...rules.flatMap((r) => fromTenant(r) ?? []),
    ...(builtins ? builtinDetectionRules().map(fromBuiltin) : []),
  ];
  let found: Found | undefined;
  for (const rule of runnable) {
    if (found !== undefined && rule.documentType !== found.documentType) continue;
    const match = firstMatch(rule, input);
    if (!match) continue;
    found ??= { documentType: rule.documentType, matchedRule: rule.name, variables: {} };
    apply(found, rule, match);
  }
  const result: Found = found ?? { documentType: 'other', matchedRule: '', variables: {} };
  if (found !== undefined && builtins) extract(result, input);
  const recipientName = input.to.map((t) => singleLine(t.name ?? '')).find((n) => n !== '');
  if (!Object.hasOwn(result.variables, 'client-name') && recipientName !== undefined) result.variables['client-name'] = recipientName;
  return {
    documentType: result.documentType,
    variables: result.variables,
    matchedRule: found === undefined ? null : result.matchedRule,
    ...(result.language ? { language: result.language } : {}),
  };
}
