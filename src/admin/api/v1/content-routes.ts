import { z } from 'zod';
import { composeMessage } from '../../../pipeline/content/compose.js';
import {
  contentSettingsSchema,
  documentTypeSchema,
  knownVariables,
  languageSchema,
  trackingInactive,
  type ContentSettings,
} from '../../../pipeline/content/content-settings.js';
import { createCssInliner, type CssInliner } from '../../../pipeline/content/css-inliner.js';
import { prepareCustomLayout } from '../../../pipeline/content/layout-validation.js';
import {
  lintLayout,
  lintMessage,
  lintSubject,
  lintTextTemplate,
  type LintWarning,
} from '../../../pipeline/content/spam-lint.js';
import { checkTemplate } from '../../../pipeline/content/template-syntax.js';
import { shortForPixelWarnings, type ShortForPixelWarning } from '../../../pipeline/content/spam-lint-images.js';
import { sharedPatternCache } from '../../../pipeline/detect/tenant-pattern.js';
import type { StoredContentSettings } from '../../../pipeline/content/content-settings-store.js';
import { openStatus } from '../../../feedback/opens/open-store.js';
import type { ApiDeps } from './api-deps.js';
import type { DocumentReading } from '../../../documents/facts.js';
import { mergedFacts } from '../../../pipeline/documents/document-facts.js';
import {
  documentNoteSchema,
  previewAttachmentSchema,
  previewDocument,
  previewDocumentSchema,
  readSample,
} from './content-preview-documents.js';
import type { ContentApiDeps } from './route-deps.js';

export type { ContentApiDeps } from './route-deps.js';
import { ApiError, invalidRequest } from './api-errors.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

/** Extra fields of GET /messages/:id: what the content stage detected, and opens per recipient. */
export const messageExtrasShape = {
  content: z
    .object({
      documentType: z.string(),
      documentNumber: z.string().optional(),
      rule: z.string().optional(),
      language: z.string(),
      languageSource: z
        .string()
        .optional()
        .meta({
          description:
            'What decided the language: header (X-Postbode-Language), rule, recipient, recipient-domain, ' +
            'document-country, ' +
            'document-language, document (a keyword), default',
        }),
      subjectFrom: z.string(),
      bodyFrom: z.string(),
      text: z.string().optional().meta({ description: 'The library text the body was made from' }),
      notes: z
        .array(z.string())
        .optional()
        .meta({ description: 'What the package asked per message but was not done (unknown text, language, type)' }),
      documents: z.array(documentNoteSchema).optional().meta({
        description: 'The attachments read, when a variable, the language or a hold needed them',
      }),
      missing: z.array(z.string()).optional().meta({ description: 'Variables without a value or `|` text' }),
      hold: z
        .object({ reason: z.string(), detail: z.string() })
        .optional()
        .meta({ description: 'The review hold the content settings asked for' }),
      lint: z.array(z.object({ rule: z.string(), message: z.string() })),
      failed: z.string().optional(),
      at: z.number().int(),
    })
    .optional()
    .meta({ description: 'What the content stage detected and did' }),
  opens: z
    .record(
      z.string(),
      z.object({
        status: z.enum(['read', 'opened (probably automated)']),
        firstOpenAt: z.number().int(),
        lastOpenAt: z.number().int(),
        count: z.number().int(),
        humanOpens: z.number().int(),
        automatedOpens: z.number().int(),
        firstHumanOpenAt: z.number().int().optional(),
        lastUserAgent: z.string().optional(),
        lastClass: z.string(),
        lastReason: z.string(),
      }),
    )
    .optional()
    .meta({ description: 'Pixel opens by recipient address; "read" once a human opened it' }),
};

export function messageExtras(content: ContentApiDeps | undefined, id: string): Record<string, unknown> {
  if (!content) return {};
  const note = content.annotations?.annotation(id) ?? content.store.annotation(id);
  const opens = Object.entries(content.opens?.forMessage(id) ?? {}).map(
    ([address, r]) => [address, { status: openStatus(r), ...r }] as const,
  );
  return { ...(note ? { content: note } : {}), ...(opens.length > 0 ? { opens: Object.fromEntries(opens) } : {}) };
}

const TAG = 'Content';

/** The settings of content-settings.ts, plus the switch of the content stage. */
const putBody = contentSettingsSchema
  .safeExtend({
    enabled: z.boolean().default(true).meta({
      description:
        'Render legacy mail with these settings; false: mail goes out as it came (open tracking still applies)',
    }),
  })
  .meta({ id: 'ContentSettingsInput' });

const warningSchema = z.object({
  field: z.string().meta({ description: 'Where, e.g. subjects.invoice.nl' }),
  rule: z.string(),
  message: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});
const viewSchema = z
  .object({
    enabled: z.boolean(),
    settings: z
      .record(z.string(), z.unknown())
      .meta({ description: 'The ContentSettingsInput fields, with defaults filled in' }),
    warnings: z.array(warningSchema).meta({
      description:
        'Spam-lint advice, stored rules that are skipped (rule `pattern-skipped`) because the pattern engine ' +
        'refuses them, and open tracking that adds no pixel (rule `tracking-layout-none`, `tracking-own-smtp` ' +
        'or `tracking-gmail`, field `openTracking`); never blocks saving',
    }),
    openTrackingInForce: z.boolean().meta({
      description:
        'Whether mail gets the pixel now: false when openTracking is off, or on but not possible with the ' +
        'layout or the sender mode (see warnings)',
    }),
    updatedAt: z.number().int().optional(),
  })
  .meta({ id: 'ContentSettings' });

const previewBody = z.strictObject({
  subject: z
    .string()
    .max(250)
    .optional()
    .meta({ description: 'Subject template; default: the saved one for the type and language' }),
  text: z
    .string()
    .max(20_000)
    .optional()
    .meta({ description: 'Text template; default: the saved default text for the type' }),
  variables: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), z.string().max(500)).default({}),
  language: languageSchema,
  documentType: documentTypeSchema,
  attachment: previewAttachmentSchema.optional(),
});
const previewSchema = z.object({
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  missing: z
    .array(z.string())
    .optional()
    .meta({
      description:
        'Variables that had no value and no `|` text; with missingVariables `legacy-subject` the subject is then ' +
        "the package's own (empty here), with `hold` such a message is held for review",
    }),
  document: previewDocumentSchema.optional().meta({
    description:
      'The sample attachment as read: facts, failed rules, and what its variables became (they win over ' +
      '`variables`, as in mail)',
  }),
  warnings: z.array(warningSchema).meta({
    description:
      'Spam-lint advice on the rendered message (links compared with the domain the mail leaves from in the ' +
      "tenant's sender mode, generic greetings, images in short HTML, ...), and rule `tracking-short-html` on " +
      'field `openTracking` when open tracking is in force but the HTML is too short for the pixel ' +
      '(`tracking-short-html-tracked` when trackShortMessages puts it in anyway)',
  }),
});

type Warning = z.infer<typeof warningSchema>;

function at(
  field: string,
  warnings: readonly Pick<LintWarning | ShortForPixelWarning, keyof LintWarning>[],
): Warning[] {
  return warnings.map((w) => ({ field, rule: w.rule, message: w.message, start: w.start, end: w.end }));
}

/** Lint advice for every subject, text and custom layout of the settings, with positions. */
export function settingsWarnings(s: ContentSettings, sendingDomain?: string): Warning[] {
  const options = { sendingDomain };
  const out: Warning[] = [];
  for (const [type, variants] of Object.entries(s.subjects)) {
    for (const [language, template] of Object.entries(variants ?? {}))
      out.push(...at(`subjects.${type}.${language}`, lintSubject(template, options)));
  }
  for (const [name, variants] of Object.entries(s.texts)) {
    for (const [language, template] of Object.entries(variants))
      out.push(...at(`texts.${name}.${language}`, lintTextTemplate(template, options)));
  }
  if (typeof s.layout === 'object') out.push(...at('layout.custom', lintLayout(s.layout.custom, options)));
  return [...skippedRules(s), ...out];
}

/** Rules stored before the pattern engine or its limits changed: detection skips them, and says so here. */
function skippedRules(s: ContentSettings): Warning[] {
  return s.rules.flatMap((rule, i) => {
    const compiled = sharedPatternCache.compile(rule.pattern, rule.caseSensitive);
    if (compiled.ok) return [];
    return [
      {
        field: `rules.${i}.pattern`,
        rule: 'pattern-skipped',
        message: `rule ${JSON.stringify(rule.name)} is skipped: ${compiled.reason}`,
        start: 0,
        end: rule.pattern.length,
      },
    ];
  });
}

function view(
  stored: StoredContentSettings | undefined,
  senderMode: string,
  sendingDomain?: string,
): z.infer<typeof viewSchema> {
  const settings = stored?.settings ?? contentSettingsSchema.parse({});
  const inactive = trackingInactive(settings, stored?.enabled ?? false, senderMode);
  const trackingWarning = inactive
    ? [{ field: 'openTracking', rule: `tracking-${inactive.reason}`, message: inactive.message, start: 0, end: 0 }]
    : [];
  return {
    enabled: stored?.enabled ?? false,
    settings,
    warnings: [...trackingWarning, ...settingsWarnings(settings, sendingDomain)],
    openTrackingInForce: settings.openTracking && inactive === undefined,
    ...(stored ? { updatedAt: stored.updatedAt } : {}),
  };
}

/**
 * Custom layouts are saved with their CSS inlined (mail clients drop <style> blocks): checked,
 * inlined by juice in a worker thread with a deadline (css-inliner.ts), and checked again.
 */
async function inlineLayout(s: ContentSettings, inlineCss: CssInliner): Promise<ContentSettings> {
  if (typeof s.layout !== 'object') return s;
  const known = knownVariables(s);
  const refuse = (messages: string[]) => invalidRequest({ 'body.layout.custom': messages });
  const checked = prepareCustomLayout(s.layout.custom, known);
  if (!checked.ok) throw refuse(checked.errors.map((e) => `${e.message} (at ${e.start})`));
  const inlined = await inlineCss(checked.html);
  if (!inlined.ok)
    throw inlined.busy ? new ApiError(503, { error: 'busy', message: inlined.reason }) : refuse([inlined.reason]);
  const prepared = prepareCustomLayout(inlined.html, known);
  if (!prepared.ok) throw refuse(prepared.errors.map((e) => `${e.message} (at ${e.start})`));
  return { ...s, layout: { custom: prepared.html } };
}

export function contentRoutes(deps: ApiDeps): ApiRoute[] {
  const content = deps.content;
  if (!content) return [];
  const inlineCss = createCssInliner();
  const domainOf = async (tenantId: string) => content.sendingDomain?.(tenantId);
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/content',
      tag: TAG,
      access: 'tenant',
      summary: 'Content settings',
      description:
        'Detection rules, subject templates, texts, layout, languages and open tracking; `enabled` false (the ' +
        'default) sends legacy mail as it came.',
      params: idParams,
      responses: { 200: { description: 'The settings, with spam-lint advice', schema: viewSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return {
          status: 200,
          body: view(content.store.get(params.id), content.senderMode(params.id), await domainOf(params.id)),
        };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/content',
      tag: TAG,
      access: 'tenant',
      summary: 'Replace content settings',
      description:
        'Unknown %variables% are refused (400, naming them), and so are rule patterns the linear-time engine ' +
        'cannot run (RE2 syntax: no backreferences or lookaround); a custom layout is validated and its CSS ' +
        'inlined (in a worker, 5 s at most); spam-lint warnings come back with positions and never block. Open ' +
        'tracking that would add no pixel (layout none, own-smtp or gmail mode) is kept with a warning and ' +
        '`openTrackingInForce` false.',
      params: idParams,
      body: putBody,
      responses: {
        200: { description: 'The saved settings', schema: viewSchema },
        503: { description: 'Too many custom layouts are being inlined at once; retry in a few seconds' },
      },
      async handle({ principal, params, body, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const { enabled, ...rest } = body;
        const settings = await inlineLayout({ ...rest, companyName: rest.companyName ?? tenant.name }, inlineCss);
        const saved = await content.store.put(params.id, { enabled, settings, updatedAt: now });
        if (enabled) content.warmReaders?.();
        return {
          status: 200,
          body: view(saved, content.senderMode(params.id), await domainOf(params.id)),
          audit: { tenantId: params.id },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/content/preview',
      tag: TAG,
      access: 'tenant',
      summary: 'Render a message without sending',
      description:
        'Renders the subject, text and HTML for the given variables, language and document type, with the saved ' +
        'settings (or the templates given here); with a sample attachment, with the facts read from it.',
      params: idParams,
      body: previewBody,
      responses: { 200: { description: 'The rendered message', schema: previewSchema } },
      async handle({ principal, params, body }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const saved =
          content.store.get(params.id)?.settings ?? contentSettingsSchema.parse({ companyName: tenant.name });
        const tracking = trackingInactive(saved, true, content.senderMode(params.id)) === undefined;
        const sample = body.attachment ? await readSample(content.readDocument, body.attachment) : undefined;
        const opts = { sendingDomain: await domainOf(params.id), tracking };
        return { status: 200, body: preview(saved, body, opts, sample) };
      },
    }),
  ];
}

type PreviewInput = z.output<typeof previewBody>;

/** `tracking`: open tracking is on and in force for the tenant's mode and layout. */
function preview(
  saved: ContentSettings,
  input: PreviewInput,
  opts: { readonly sendingDomain: string | undefined; readonly tracking: boolean },
  sample?: DocumentReading,
): z.infer<typeof previewSchema> {
  const type = input.documentType;
  const known = knownVariables(saved);
  for (const name of Object.keys(input.variables)) known.add(name);
  const issues = [
    ...(input.subject !== undefined
      ? checkTemplate(input.subject, known, { headerBound: true }).map((i) => ['body.subject', i.message] as const)
      : []),
    ...(input.text !== undefined ? checkTemplate(input.text, known).map((i) => ['body.text', i.message] as const) : []),
  ];
  if (issues.length > 0) {
    const fields: Record<string, string[]> = {};
    for (const [field, message] of issues) (fields[field] ??= []).push(message);
    throw invalidRequest(fields);
  }
  const textName = saved.defaultTexts[type];
  const savedText = textName !== undefined && Object.hasOwn(saved.texts, textName) ? saved.texts[textName] : undefined;
  const settings: ContentSettings = {
    ...saved,
    subjects: {
      ...saved.subjects,
      ...(input.subject !== undefined ? { [type]: { [input.language]: input.subject } } : {}),
    },
    texts: { ...saved.texts, preview: input.text !== undefined ? { [input.language]: input.text } : (savedText ?? {}) },
    defaultTexts: { ...saved.defaultTexts, [type]: 'preview' },
    body: { ...saved.body, [type]: 'replace' },
  };
  const facts = sample !== undefined ? mergedFacts([sample]) : undefined;
  const detection = { documentType: type, variables: input.variables, matchedRule: null, ...(facts ? { facts } : {}) };
  const composed = composeMessage(
    { subject: '', text: '', html: false, attachments: [] },
    settings,
    detection,
    input.language,
  );
  const lint = lintMessage(composed, { sendingDomain: opts.sendingDomain, clientName: input.variables['client-name'] });
  const untracked = opts.tracking ? shortForPixelWarnings(composed.html, saved.trackShortMessages) : [];
  const warnings = [
    ...lint.map((w) => ({ field: w.field, rule: w.rule, message: w.message, start: w.start, end: w.end })),
    ...at('openTracking', untracked),
  ];
  return {
    subject: composed.subject,
    text: composed.text,
    ...(composed.html !== undefined ? { html: composed.html } : {}),
    ...(composed.missing !== undefined && composed.missing.length > 0 ? { missing: [...composed.missing] } : {}),
    ...(sample !== undefined ? { document: previewDocument(sample, input.language) } : {}),
    warnings,
  };
}
