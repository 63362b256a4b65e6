import { z } from 'zod';
import { DOCUMENT_TYPES } from '../detect/document-types.js';
import { validateLayout } from './layout-validation.js';
import { captureNames, checkPattern, LANGUAGE_GROUP } from '../detect/rule-pattern.js';
import { checkTemplate, HEADER_FORBIDDEN, type TemplateIssue } from './template-syntax.js';
import { ACCOUNTANT_VARIABLES } from './mail-texts/accountant.js';
import { BUILTIN_VARIABLES, LAYOUT_ONLY_VARIABLES } from './variables.js';

/**
 * A tenant's content settings: how Postbode recognises documents in legacy mail and what it
 * turns them into. Validated once, when the API saves them: unknown `%variables%` are errors
 * naming the variable, header-bound values refuse line breaks. The sub-schemas are exported
 * so that the API can validate one field at a time with the same rules.
 */
export const MAX_SUBJECT_LENGTH = 250;
export const MAX_TEXT_LENGTH = 20_000;
export const MAX_RULES = 100;
/** Texts in one tenant's library. */
export const MAX_TEXTS = 200;

export const documentTypeSchema = z.enum(DOCUMENT_TYPES);
export const languageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/, 'expected a lower-case language code like nl, fr, en or de');

const singleLineText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !HEADER_FORBIDDEN.test(v), 'line breaks and control characters are not allowed');
const variableNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'constant names are lower-case letters, digits and -, starting with a letter');
export const textNameSchema = singleLineText(64).pipe(z.string().trim().min(1));
const addressKeySchema = z
  .string()
  .max(254)
  .regex(/^[^\s@A-Z]+@[^\s@A-Z]+$/, 'expected a lower-case e-mail address');
const domainKeySchema = z
  .string()
  .max(253)
  .regex(/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/, 'expected a lower-case domain name');

export const RULE_FIELDS = ['subject', 'text', 'attachment-filename', 'sender', 'recipient', 'header'] as const;

export const detectionRuleSchema = z
  .strictObject({
    /** Shown in the message log as the rule that matched. */
    name: singleLineText(64).pipe(z.string().trim().min(1)),
    field: z.enum(RULE_FIELDS),
    /** Header name, for field `header`. */
    header: z
      .string()
      .max(76)
      .regex(/^[!-9;-~]+$/, 'expected a header name')
      .optional(),
    /**
     * Regular expression in RE2 syntax (JavaScript's without backreferences and lookaround); named groups become
     * variables (`(?<document_number>...)`), `(?<language>...)` the language.
     */
    pattern: z.string(),
    caseSensitive: z.boolean().default(false),
    documentType: documentTypeSchema,
    /** Language of messages this rule matches (a `language` capture wins). */
    language: languageSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.field === 'header' && rule.header === undefined)
      ctx.addIssue({ code: 'custom', path: ['header'], message: 'a header rule needs the header name' });
    if (rule.field !== 'header' && rule.header !== undefined)
      ctx.addIssue({ code: 'custom', path: ['header'], message: 'header is only used with field "header"' });
    for (const message of checkPattern(rule.pattern, rule.caseSensitive))
      ctx.addIssue({ code: 'custom', path: ['pattern'], message });
  });

export const layoutSchema = z.union([
  z.literal('default'),
  z.literal('none'),
  z.strictObject({ custom: z.string().max(100_000) }),
]);

export const bodyModeSchema = z.enum(['keep', 'replace']);
export const missingVariablesSchema = z.enum(['fallback', 'legacy-subject', 'hold']);

const templatesByLanguage = (max: number) => z.record(languageSchema, z.string().min(1).max(max));

/**
 * The accountant copy's subject and text per language; a language without one gets the built-in text
 * (mail-texts/accountant.ts).
 */
export const accountantTemplatesSchema = z.strictObject({
  subject: templatesByLanguage(MAX_SUBJECT_LENGTH).default({}),
  text: templatesByLanguage(MAX_TEXT_LENGTH).default({}),
});

export const contentSettingsSchema = z
  .strictObject({
    /** Tenant rules, tried in order before the built-in ones. */
    rules: z.array(detectionRuleSchema).max(MAX_RULES).default([]),
    /** The built-in Dutch/French/English/German subject and file-name rules. */
    builtinRules: z.boolean().default(true),
    /** Subject template per document type and language; none → the legacy subject stays. */
    subjects: z.partialRecord(documentTypeSchema, templatesByLanguage(MAX_SUBJECT_LENGTH)).default({}),
    /** Named, reusable texts, one variant per language. */
    texts: z
      .record(textNameSchema, templatesByLanguage(MAX_TEXT_LENGTH))
      .refine((texts) => Object.keys(texts).length <= MAX_TEXTS, `at most ${MAX_TEXTS} texts`)
      .default({}),
    /**
     * The document type each text is written for: the settings page lists the library per type ("Invoices",
     * "Reminders", …). A text without one is listed under "Other"; any text may still be chosen for any message.
     */
    textTypes: z.record(textNameSchema, documentTypeSchema).default({}),
    /** The text used per document type (a name from `texts`). */
    defaultTexts: z.partialRecord(documentTypeSchema, textNameSchema).default({}),
    /** Per document type: keep the legacy body, or replace it with the default text. */
    body: z.partialRecord(documentTypeSchema, bodyModeSchema).default({}),
    layout: layoutSchema.default('default'),
    /** Tenant-defined variables, e.g. `iban` → `%iban%`. One line each: they may end up in a subject. */
    constants: z.record(variableNameSchema, singleLineText(500)).default({}),
    defaultLanguage: languageSchema.default('nl'),
    recipientLanguages: z.record(addressKeySchema, languageSchema).default({}),
    domainLanguages: z.record(domainKeySchema, languageSchema).default({}),
    /** `%company-name%` and the default layout's header; the API may default it to the tenant name. */
    companyName: singleLineText(200).optional(),
    logoUrl: z
      .url({ protocol: /^https$/, hostname: z.regexes.domain })
      .max(2000)
      .optional(),
    openTracking: z.boolean().default(false),
    /**
     * With open tracking: also put the pixel into HTML shorter than a pixel can hide in (spam filters
     * call such a message image-only, up to +2.8 points). Off by default: a short invoice goes out untracked.
     */
    trackShortMessages: z.boolean().default(false),
    /**
     * A variable without a value and without a `|` text (`%due-date|soon%`): `fallback` renders it as nothing;
     * `legacy-subject` keeps the package's own subject when the subject template lacks one; `hold` holds the
     * message for the tenant's review (reason `missing-variable`).
     */
    missingVariables: missingVariablesSchema.default('fallback'),
    /**
     * Hold a message whose attached e-invoice fails a business rule we check (docs/e-invoice.md) for review.
     * Off by default: an invoice is never blocked on our own opinion; the failures are noted in the message log.
     */
    holdInvalidEInvoices: z.boolean().default(false),
    /** Subject and text of the copy for the accountant; may also use %original-subject% and %document-count%. */
    accountant: accountantTemplatesSchema.default({ subject: {}, text: {} }),
  })
  .superRefine(checkReferences);

export type DetectionRule = z.output<typeof detectionRuleSchema>;
export type Layout = z.output<typeof layoutSchema>;
export type BodyMode = z.output<typeof bodyModeSchema>;
export type ContentSettings = z.output<typeof contentSettingsSchema>;
export type ContentSettingsInput = z.input<typeof contentSettingsSchema>;

/** Every variable a template of these settings may use: built-ins, constants and rule captures. */
export function knownVariables(settings: Pick<ContentSettings, 'constants' | 'rules'>): Set<string> {
  const known = new Set<string>(BUILTIN_VARIABLES);
  for (const name of Object.keys(settings.constants)) known.add(name);
  for (const rule of settings.rules) {
    for (const name of captureNames(rule.pattern, rule.caseSensitive)) if (name !== LANGUAGE_GROUP) known.add(name);
  }
  return known;
}

type Ctx = z.core.$RefinementCtx<ContentSettings>;

function report(ctx: Ctx, path: (string | number)[], issues: readonly TemplateIssue[]): void {
  for (const issue of issues) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${issue.message} (at ${issue.start})`,
      params: { start: issue.start, end: issue.end },
    });
  }
}

function checkReferences(settings: ContentSettings, ctx: Ctx): void {
  const reserved = new Set<string>([...BUILTIN_VARIABLES, ...LAYOUT_ONLY_VARIABLES, ...ACCOUNTANT_VARIABLES]);
  for (const name of Object.keys(settings.constants)) {
    if (reserved.has(name))
      ctx.addIssue({ code: 'custom', path: ['constants', name], message: `%${name}% is a built-in variable` });
  }
  const known = knownVariables(settings);
  for (const [type, variants] of Object.entries(settings.subjects)) {
    for (const [language, template] of Object.entries(variants ?? {})) {
      report(ctx, ['subjects', type, language], checkTemplate(template, known, { headerBound: true }));
    }
  }
  for (const [name, variants] of Object.entries(settings.texts)) {
    for (const [language, template] of Object.entries(variants))
      report(ctx, ['texts', name, language], checkTemplate(template, known));
  }
  checkAccountant(settings, known, ctx);
  for (const name of Object.keys(settings.textTypes)) {
    if (!Object.hasOwn(settings.texts, name))
      ctx.addIssue({ code: 'custom', path: ['textTypes', name], message: `no text named ${JSON.stringify(name)}` });
  }
  for (const [type, name] of Object.entries(settings.defaultTexts)) {
    if (name !== undefined && !Object.hasOwn(settings.texts, name))
      ctx.addIssue({ code: 'custom', path: ['defaultTexts', type], message: `no text named ${JSON.stringify(name)}` });
  }
  if (typeof settings.layout === 'object') {
    for (const e of validateLayout(settings.layout.custom, known)) {
      ctx.addIssue({
        code: 'custom',
        path: ['layout', 'custom'],
        message: `${e.message} (at ${e.start})`,
        params: { rule: e.rule, start: e.start, end: e.end },
      });
    }
  }
}

function checkAccountant(settings: ContentSettings, known: ReadonlySet<string>, ctx: Ctx): void {
  const withCopyVariables = new Set<string>([...known, ...ACCOUNTANT_VARIABLES]);
  for (const [language, template] of Object.entries(settings.accountant.subject)) {
    report(ctx, ['accountant', 'subject', language], checkTemplate(template, withCopyVariables, { headerBound: true }));
  }
  for (const [language, template] of Object.entries(settings.accountant.text)) {
    report(ctx, ['accountant', 'text', language], checkTemplate(template, withCopyVariables));
  }
}

/** Why open tracking, switched on, adds no pixel: the settings are kept, the view says it is not in force. */
export type TrackingInactiveReason = 'layout-none' | 'own-smtp' | 'gmail' | 'microsoft365';

const TRACKING_INACTIVE: Record<TrackingInactiveReason, string> = {
  'layout-none':
    'open tracking is not in force: layout "none" sends plain text, which has no place for the pixel; choose ' +
    'another layout',
  'own-smtp': 'open tracking is not in force in own-smtp mode: your own server sends the mail as it is',
  gmail:
    'open tracking is not in force in gmail mode: one send reaches all recipients and your Sent folder would ' +
    'load the pixel',
  microsoft365:
    'open tracking is not in force in microsoft365 mode: one send reaches all recipients and your Sent Items ' +
    'would load the pixel',
};

/**
 * Undefined when tracking is off or works; else why it adds no pixel (the pipeline's
 * trackingWanted, seen from the settings). The layout counts only when rendering is `enabled`:
 * switched off, legacy HTML goes out as it came, with the pixel.
 */
export function trackingInactive(
  settings: Pick<ContentSettings, 'openTracking' | 'layout'>,
  enabled: boolean,
  senderMode: string,
): { reason: TrackingInactiveReason; message: string } | undefined {
  if (!settings.openTracking) return undefined;
  const reason: TrackingInactiveReason | undefined =
    senderMode === 'own-smtp'
      ? 'own-smtp'
      : senderMode === 'gmail' || senderMode === 'microsoft365'
        ? senderMode
        : enabled && settings.layout === 'none'
          ? 'layout-none'
          : undefined;
  return reason === undefined ? undefined : { reason, message: TRACKING_INACTIVE[reason] };
}
