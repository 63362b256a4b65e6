import { builtinDetectionRules, builtinExtractors, type BuiltinRule } from './builtin-rules.js';
import type { DetectionRule } from '../content/content-settings.js';
import type { DocumentType } from './document-types.js';
import { LANGUAGE_GROUP } from './rule-pattern.js';
import { canonicalName, singleLine } from '../content/template-syntax.js';
import { matchWithinBudget, sharedPatternCache } from './tenant-pattern.js';

/**
 * Which document a legacy mail carries, and the variables found in it. Tenant rules run in
 * order, then the built-in ones. The first rule that matches decides the document type;
 * later rules of the same type only add variables not found yet (a subject rule gives the
 * number, a body rule the amount). Captured values are made single-line here, where they
 * enter, so that they are safe in a subject.
 *
 * Tenant patterns run on a linear-time engine within a per-rule budget (tenant-pattern.ts);
 * the built-in ones are ours and run as JavaScript RegExps on short inputs.
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
  /** Tenant rules that were not run because their stored pattern no longer compiles. */
  readonly skippedRules?: readonly SkippedRule[];
}

export interface SkippedRule {
  readonly name: string;
  readonly reason: string;
}

/** Built-in extractors (amount, due date) look at no more than this much of the text. */
export const MAX_MATCH_TEXT = 20_000;
/** Subjects and file names are short; built-in rules look at no more than this of them. */
const MAX_BUILTIN_MATCH = 1_000;

interface Runnable {
  readonly name: string;
  readonly field: DetectionRule['field'];
  readonly header?: string | undefined;
  /** Named groups of the first value matched, undefined when none matched. */
  readonly match: (values: readonly string[]) => Record<string, string> | undefined;
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

function fromTenant(rule: DetectionRule, skipped: SkippedRule[]): Runnable | undefined {
  const compiled = sharedPatternCache.compile(rule.pattern, rule.caseSensitive);
  if (!compiled.ok) {
    // Saved before the engine changed, or under older limits: skipped and reported, never fatal.
    skipped.push({ name: rule.name, reason: compiled.reason });
    return undefined;
  }
  const match = (values: readonly string[]) => matchWithinBudget(compiled, values)?.groups;
  return {
    name: rule.name,
    field: rule.field,
    header: rule.header,
    match,
    documentType: rule.documentType,
    language: rule.language,
    builtin: false,
  };
}

function fromBuiltin(rule: BuiltinRule): Runnable {
  const regex = new RegExp(rule.pattern, rule.flags);
  const match = (values: readonly string[]) => {
    for (const value of values) {
      const m = regex.exec(value.slice(0, MAX_BUILTIN_MATCH));
      if (m) return definedGroups(m.groups);
    }
    return undefined;
  };
  return {
    name: rule.name,
    field: rule.field,
    match,
    documentType: rule.documentType,
    language: rule.language,
    builtin: true,
  };
}

function definedGroups(groups: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(groups ?? {})) if (value !== undefined) out[name] = value;
  return out;
}

function valuesFor(rule: Runnable, input: DetectionInput): string[] {
  switch (rule.field) {
    case 'subject':
      return [input.subject];
    case 'text':
      return [input.text];
    case 'attachment-filename':
      return input.attachments.flatMap((a) => (a.filename ? [a.filename] : []));
    case 'sender':
      return [input.from];
    case 'recipient':
      return input.to.map((t) => t.address);
    case 'header':
      return [...(input.headers.get((rule.header ?? '').toLowerCase()) ?? [])];
  }
}

function apply(found: Found, rule: Runnable, groups: Record<string, string>): void {
  for (const [group, raw] of Object.entries(groups)) {
    const name = canonicalName(group);
    const value = singleLine(raw);
    if (value === '') continue;
    if (name === LANGUAGE_GROUP) {
      const code = value.toLowerCase();
      if (/^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/.test(code) && found.language?.source !== 'rule')
        found.language = { code, source: 'rule' };
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

interface Plan {
  readonly runnable: readonly Runnable[];
  readonly skipped: readonly SkippedRule[];
}

function plan(rules: readonly DetectionRule[], builtins: boolean): Plan {
  const skipped: SkippedRule[] = [];
  const runnable = [
    ...rules.flatMap((r) => fromTenant(r, skipped) ?? []),
    ...(builtins ? builtinDetectionRules().map(fromBuiltin) : []),
  ];
  return { runnable, skipped };
}

function step(found: Found | undefined, rule: Runnable, input: DetectionInput): Found | undefined {
  if (found !== undefined && rule.documentType !== found.documentType) return found;
  const groups = rule.match(valuesFor(rule, input));
  if (groups === undefined) return found;
  const next = found ?? { documentType: rule.documentType, matchedRule: rule.name, variables: {} };
  apply(next, rule, groups);
  return next;
}

function finish(
  found: Found | undefined,
  input: DetectionInput,
  builtins: boolean,
  skipped: readonly SkippedRule[],
): Detection {
  const result: Found = found ?? { documentType: 'other', matchedRule: '', variables: {} };
  if (found !== undefined && builtins) extract(result, input);
  const recipientName = input.to.map((t) => singleLine(t.name ?? '')).find((n) => n !== '');
  if (!Object.hasOwn(result.variables, 'client-name') && recipientName !== undefined)
    result.variables['client-name'] = recipientName;
  return {
    documentType: result.documentType,
    variables: result.variables,
    matchedRule: found === undefined ? null : result.matchedRule,
    ...(result.language ? { language: result.language } : {}),
    ...(skipped.length > 0 ? { skippedRules: skipped } : {}),
  };
}

export function detectDocument(input: DetectionInput, rules: readonly DetectionRule[], builtins = true): Detection {
  const { runnable, skipped } = plan(rules, builtins);
  let found: Found | undefined;
  for (const rule of runnable) found = step(found, rule, input);
  return finish(found, input, builtins, skipped);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same detection, giving the event loop a turn after each tenant rule: one rule is
 * bounded by its budget, and other tenants' mail and sockets run between rules.
 */
export async function detectDocumentYielding(
  input: DetectionInput,
  rules: readonly DetectionRule[],
  builtins = true,
): Promise<Detection> {
  const { runnable, skipped } = plan(rules, builtins);
  let found: Found | undefined;
  for (const rule of runnable) {
    found = step(found, rule, input);
    if (!rule.builtin) await nextTurn();
  }
  return finish(found, input, builtins, skipped);
}
