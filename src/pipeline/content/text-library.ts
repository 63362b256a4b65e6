import type { ContentSettings } from './content-settings.js';
import { DOCUMENT_TYPES, type DocumentType } from '../detect/document-types.js';
import { STARTER_DEFAULTS, STARTER_TEXTS } from './mail-texts/starter-texts.js';

/**
 * The text library as edits of the content settings (`texts`, `textTypes`, `defaultTexts`, `body`): the
 * Config API's text routes and the settings page use these, and the result is validated by
 * contentSettingsSchema like any other save. Setting a default text means "use it": the type's body mode
 * becomes `replace`; removing the default brings the legacy body back (`keep`).
 */
export type Library = Pick<ContentSettings, 'texts' | 'textTypes' | 'defaultTexts' | 'body'>;

/**
 * Settings stored before `textTypes` existed have none: they are read as they were saved, never re-parsed (a
 * stored rule may no longer pass today's checks), so every reader of `textTypes` goes through here.
 */
function typesOf(lib: Pick<Library, 'textTypes'>): Readonly<Record<string, DocumentType>> {
  return (lib.textTypes as Library['textTypes'] | undefined) ?? {};
}

export function textTypeOf(lib: Pick<Library, 'textTypes'>, name: string): DocumentType | undefined {
  const types = typesOf(lib);
  return Object.hasOwn(types, name) ? types[name] : undefined;
}

export interface TextEntry {
  readonly name: string;
  readonly documentType?: DocumentType;
  readonly variants: Readonly<Record<string, string>>;
  /** The document types this text is the default of. */
  readonly defaultFor: readonly DocumentType[];
}

export function textEntry(lib: Library, name: string): TextEntry | undefined {
  if (!Object.hasOwn(lib.texts, name)) return undefined;
  const type = textTypeOf(lib, name);
  return {
    name,
    ...(type !== undefined ? { documentType: type } : {}),
    variants: lib.texts[name] ?? {},
    defaultFor: DOCUMENT_TYPES.filter((t) => lib.defaultTexts[t] === name),
  };
}

export function textEntries(lib: Library): TextEntry[] {
  return Object.keys(lib.texts)
    .sort((a, b) => a.localeCompare(b))
    .flatMap((name) => textEntry(lib, name) ?? []);
}

export function putText<L extends Library>(
  lib: L,
  name: string,
  variants: Readonly<Record<string, string>>,
  documentType: DocumentType | undefined,
): L {
  const { [name]: _old, ...otherTypes } = typesOf(lib);
  return {
    ...lib,
    texts: { ...lib.texts, [name]: { ...variants } },
    textTypes: documentType !== undefined ? { ...otherTypes, [name]: documentType } : otherTypes,
  };
}

/** Callers refuse to remove a default text first (defaultFor): a type would silently lose its text. */
export function removeText<L extends Library>(lib: L, name: string): L {
  const { [name]: _text, ...texts } = lib.texts;
  const { [name]: _type, ...textTypes } = typesOf(lib);
  return { ...lib, texts, textTypes };
}

export function setDefault<L extends Library>(lib: L, type: DocumentType, name: string | undefined): L {
  const { [type]: _old, ...defaults } = lib.defaultTexts;
  return {
    ...lib,
    defaultTexts: name !== undefined ? { ...defaults, [type]: name } : defaults,
    body: { ...lib.body, [type]: name !== undefined ? 'replace' : 'keep' },
  };
}

/**
 * Adds the starter texts whose names are free (a text of the tenant's own is never overwritten) and makes each
 * the default of its type where the type has none yet.
 */
export function addStarterTexts<L extends Library>(lib: L): { readonly library: L; readonly added: string[] } {
  let next = lib;
  const added: string[] = [];
  for (const starter of STARTER_TEXTS) {
    if (Object.hasOwn(next.texts, starter.name)) continue;
    next = putText(next, starter.name, starter.variants, starter.documentType);
    added.push(starter.name);
  }
  for (const type of DOCUMENT_TYPES) {
    const name = STARTER_DEFAULTS[type];
    if (next.defaultTexts[type] === undefined && added.includes(name)) next = setDefault(next, type, name);
  }
  return { library: next, added };
}
