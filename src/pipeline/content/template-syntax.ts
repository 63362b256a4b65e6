/**
 * The `%variable%` syntax shared by subjects, texts and layouts, and the checks made when a
 * template is saved. Names are case-insensitive; a capital first letter (`%Document-type%`)
 * asks for the value with a capital first letter, so a subject can start with a variable.
 * `%client-name|klant%` gives the text to use when the variable has no value (docs/e-invoice.md, "Using the facts").
 */

/**
 * A variable reference: a letter, then letters, digits, `-` or `_`, optionally `|` and a fallback
 * text without `%`, `|` or line breaks, between percent signs.
 */
const VARIABLE_TOKEN = /%([A-Za-z][A-Za-z0-9_-]{0,63})(?:\|([^%|\r\n]{0,200}))?%/g;

/** Characters that must never reach a header: C0 controls, DEL, NEL, line and paragraph separators. */
export const HEADER_FORBIDDEN = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/u;

export interface VariableRef {
  /** Canonical (lower-case, `_` as `-`) name. */
  readonly name: string;
  /** The reference as written, percent signs included. */
  readonly raw: string;
  readonly capitalise: boolean;
  /** The text after `|`, used when the variable has no value; undefined without a `|`. */
  readonly fallback?: string;
  readonly start: number;
  readonly end: number;
}

export interface TemplateIssue {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** `documentNumber`, `Document_Number` and `document-number` all name `document-number`. */
export function canonicalName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

export function findVariables(template: string): VariableRef[] {
  const refs: VariableRef[] = [];
  for (const match of template.matchAll(VARIABLE_TOKEN)) {
    const written = match[1] ?? '';
    const first = written.charAt(0);
    const fallback = match[2];
    refs.push({
      name: written.toLowerCase().replace(/_/g, '-'),
      raw: match[0],
      capitalise: first !== first.toLowerCase(),
      ...(fallback !== undefined ? { fallback } : {}),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return refs;
}

export interface TemplateCheckOptions {
  /** Subjects end up in a header: no line breaks or control characters at all. */
  readonly headerBound?: boolean;
  readonly maxLength?: number;
}

/** Unknown variables (named, with positions) and, for header-bound templates, forbidden characters. */
export function checkTemplate(
  template: string,
  known: ReadonlySet<string>,
  options: TemplateCheckOptions = {},
): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (options.maxLength !== undefined && template.length > options.maxLength) {
    issues.push({
      message: `too long (at most ${options.maxLength} characters)`,
      start: options.maxLength,
      end: template.length,
    });
  }
  if (options.headerBound) issues.push(...forbiddenCharacters(template));
  for (const ref of findVariables(template)) {
    if (!known.has(ref.name)) {
      issues.push({
        message: `unknown variable %${ref.raw.slice(1, -1).split('|')[0]}%`,
        start: ref.start,
        end: ref.end,
      });
    }
  }
  return issues;
}

function forbiddenCharacters(value: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const all = new RegExp(HEADER_FORBIDDEN.source, 'gu');
  for (const match of value.matchAll(all)) {
    const code = match[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? '';
    issues.push({
      message: `line breaks and control characters are not allowed here (U+${code})`,
      start: match.index,
      end: match.index + 1,
    });
  }
  return issues;
}

/** Runtime values (display names, captures) on one line: control characters become spaces, runs collapse. */
export function singleLine(value: string, maxLength = 200): string {
  const flat = value
    .replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...flat].slice(0, maxLength).join('');
}
