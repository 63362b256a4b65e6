import { z } from 'zod';
import {
  contentSettingsSchema,
  documentTypeSchema,
  languageSchema,
  MAX_TEXT_LENGTH,
  textNameSchema,
  type ContentSettings,
} from '../../../pipeline/content/content-settings.js';
import { lintTextTemplate } from '../../../pipeline/content/spam-lint.js';
import {
  addStarterTexts,
  putText,
  removeText,
  setDefault,
  textEntries,
  textEntry,
  type TextEntry,
} from '../../../pipeline/content/text-library.js';
import type { Tenant } from '../../../core/types.js';
import type { ApiDeps } from './api-deps.js';
import type { ContentApiDeps } from './route-deps.js';
import { conflict, fieldErrors, invalidRequest, notFound, type FieldErrors } from './api-errors.js';
import { recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

/**
 * The text library: named texts per document type and language, the default per type, and the starter
 * texts a new tenant adds with one click. Each change is a save of the content settings
 * (pipeline/content/text-library.ts), checked by the same schema as PUT /content.
 */
const TAG = 'Text library';

const textParams = z.strictObject({ id: recordId, name: textNameSchema.meta({ description: 'The text name' }) });
const typeParams = z.strictObject({ id: recordId, type: documentTypeSchema });

const textBody = z
  .strictObject({
    documentType: documentTypeSchema.optional().meta({ description: 'The document type it is written for' }),
    variants: z
      .record(languageSchema, z.string().min(1).max(MAX_TEXT_LENGTH))
      .refine((v) => Object.keys(v).length > 0, 'give the text in at least one language')
      .meta({ description: 'The text per language code, with %variables%', example: { nl: 'Beste %client-name%,' } }),
  })
  .meta({ id: 'TextInput' });

const warningSchema = z.object({ language: z.string(), rule: z.string(), message: z.string() });
const textView = z
  .object({
    name: z.string(),
    documentType: documentTypeSchema.optional(),
    variants: z.record(z.string(), z.string()),
    defaultFor: z.array(documentTypeSchema).meta({ description: 'Document types that use this text by default' }),
    warnings: z.array(warningSchema).meta({ description: 'Spam-lint advice per language; never blocks saving' }),
  })
  .meta({ id: 'Text' });
const libraryView = z
  .object({
    texts: z.array(textView),
    defaults: z.record(z.string(), z.string()).meta({ description: 'The default text name per document type' }),
    enabled: z.boolean().meta({ description: 'Content rendering is on: without it no text is used' }),
  })
  .meta({ id: 'TextLibrary' });

function viewOf(entry: TextEntry): z.infer<typeof textView> {
  const warnings = Object.entries(entry.variants).flatMap(([language, template]) =>
    lintTextTemplate(template).map((w) => ({ language, rule: w.rule, message: w.message })),
  );
  return { ...entry, defaultFor: [...entry.defaultFor], warnings };
}

/** Where a schema issue of the whole settings points, seen from this request. */
function remap(issues: readonly z.core.$ZodIssue[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const [head, , language, ...rest] = issue.path;
    if (head === 'texts' && language !== undefined)
      fieldErrors('body', [{ ...issue, path: ['variants', language, ...rest] }], fields);
    else if (head === 'texts') fieldErrors('body', [{ ...issue, path: ['variants'] }], fields);
    else fieldErrors('settings', [issue], fields);
  }
  return fields;
}

export function textLibraryRoutes(deps: ApiDeps): ApiRoute[] {
  const content = deps.content;
  if (!content) return [];
  const library = (tenant: Tenant) => currentSettings(content, tenant);
  const save = (tenant: Tenant, settings: ContentSettings, now: number) => saveSettings(content, tenant, settings, now);
  const listing = (tenant: Tenant): z.infer<typeof libraryView> => {
    const s = library(tenant);
    return {
      texts: textEntries(s).map(viewOf),
      defaults: { ...s.defaultTexts },
      enabled: content.store.get(tenant.id)?.enabled ?? false,
    };
  };
  const found = (s: ContentSettings, name: string): TextEntry => {
    const entry = textEntry(s, name);
    if (!entry) throw notFound();
    return entry;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/texts',
      tag: TAG,
      access: 'tenant',
      summary: 'The text library',
      description: 'Every named text with its languages and document type, and the default text per document type.',
      params: z.strictObject({ id: recordId }),
      responses: { 200: { description: 'The library', schema: libraryView } },
      async handle({ principal, params }) {
        return { status: 200, body: listing(await visibleTenant(deps.tenants, principal, params.id)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/texts/:name',
      tag: TAG,
      access: 'tenant',
      summary: 'One text',
      params: textParams,
      responses: { 200: { description: 'The text', schema: textView }, 404: { description: 'No such text' } },
      async handle({ principal, params }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: viewOf(found(library(tenant), params.name)) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/texts/:name',
      tag: TAG,
      access: 'tenant',
      summary: 'Add or replace a text',
      description:
        'The variants given replace the stored ones. Unknown %variables% answer 400 naming the field ' +
        '(`body.variants.<language>`); spam-lint advice comes back in `warnings` and never blocks.',
      params: textParams,
      body: textBody,
      responses: { 200: { description: 'The saved text', schema: textView } },
      async handle({ principal, params, body, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const next = putText(library(tenant), params.name, body.variants, body.documentType);
        const saved = await save(tenant, next, now);
        return { status: 200, body: viewOf(found(saved, params.name)), audit: { tenantId: tenant.id } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/texts/:name',
      tag: TAG,
      access: 'tenant',
      summary: 'Remove a text',
      description: 'A text that is the default of a document type is not removed (409): choose another default first.',
      params: textParams,
      responses: {
        204: { description: 'Removed' },
        404: { description: 'No such text' },
        409: { description: 'The text is a default; `message` names the document types' },
      },
      async handle({ principal, params, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const s = library(tenant);
        const entry = found(s, params.name);
        if (entry.defaultFor.length > 0)
          throw conflict(
            `text ${JSON.stringify(entry.name)} is the default for ${entry.defaultFor.join(', ')}: ` +
              'choose another default (or none) for that document type first',
          );
        await save(tenant, removeText(s, entry.name), now);
        return { status: 204, audit: { tenantId: tenant.id } };
      },
    }),
    ...defaultRoutes(deps, library, save, listing),
  ];
}

type Read = (tenant: Tenant) => ContentSettings;
type Save = (tenant: Tenant, settings: ContentSettings, now: number) => Promise<ContentSettings>;
type Listing = (tenant: Tenant) => z.infer<typeof libraryView>;

function defaultRoutes(deps: ApiDeps, library: Read, save: Save, listing: Listing): ApiRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/tenants/:id/text-defaults/:type',
      tag: TAG,
      access: 'tenant',
      summary: 'Set the default text of a document type',
      description:
        "Messages of this type get this text instead of the package's own body (the type's body mode becomes " +
        '`replace`), unless the package chooses another text per message (docs/texts.md).',
      params: typeParams,
      body: z.strictObject({ name: textNameSchema.meta({ description: 'A text of the library' }) }),
      responses: { 200: { description: 'The library', schema: libraryView } },
      async handle({ principal, params, body, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const s = library(tenant);
        if (!Object.hasOwn(s.texts, body.name))
          throw invalidRequest({ 'body.name': [`no text named ${JSON.stringify(body.name)}`] });
        await save(tenant, setDefault(s, params.type, body.name), now);
        return { status: 200, body: listing(tenant), audit: { tenantId: tenant.id } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/text-defaults/:type',
      tag: TAG,
      access: 'tenant',
      summary: 'No default text for a document type',
      description: "Messages of this type keep the package's own body again (body mode `keep`).",
      params: typeParams,
      responses: { 200: { description: 'The library', schema: libraryView } },
      async handle({ principal, params, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        await save(tenant, setDefault(library(tenant), params.type, undefined), now);
        return { status: 200, body: listing(tenant), audit: { tenantId: tenant.id } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/starter-texts',
      tag: TAG,
      access: 'tenant',
      summary: 'Add the starter texts',
      description:
        'Adds a well-written text for every document type in Dutch, French, English and German (names: invoice, ' +
        'credit-note, quote, order, reminder, reminder-2, document). A text of the same name is kept as it is; a ' +
        'document type without a default gets its starter text as default.',
      params: z.strictObject({ id: recordId }),
      responses: {
        200: {
          description: 'The library, and the names added',
          schema: libraryView.extend({ added: z.array(z.string()) }),
        },
      },
      async handle({ principal, params, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const { library: next, added } = addStarterTexts(library(tenant));
        if (added.length > 0) await save(tenant, next, now);
        return { status: 200, body: { ...listing(tenant), added }, audit: { tenantId: tenant.id } };
      },
    }),
  ];
}

function currentSettings(content: ContentApiDeps, tenant: Tenant): ContentSettings {
  return content.store.get(tenant.id)?.settings ?? contentSettingsSchema.parse({ companyName: tenant.name });
}

/** Validated like PUT /content; the content switch stays as it was (off for a tenant that never saved). */
async function saveSettings(
  content: ContentApiDeps,
  tenant: Tenant,
  settings: ContentSettings,
  now: number,
): Promise<ContentSettings> {
  const parsed = contentSettingsSchema.safeParse(settings);
  if (!parsed.success) throw invalidRequest(remap(parsed.error.issues));
  const enabled = content.store.get(tenant.id)?.enabled ?? false;
  await content.store.put(tenant.id, { enabled, settings: parsed.data, updatedAt: now });
  return parsed.data;
}
