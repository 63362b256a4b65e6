import { findVariables, type VariableRef } from './template-syntax.js';

/** Values by canonical variable name (`document-number`, `client-name`, tenant constants...). */
export type Variables = Readonly<Record<string, string>>;

export interface RenderOptions {
  /** Escape values for HTML (layouts); the template itself is trusted, it was validated on save. */
  readonly escapeHtml?: boolean;
  /** Values inserted as they are, never escaped: the rendered content in a layout's `%content%`. */
  readonly raw?: Variables;
  /**
   * Told the name of each variable that had no value (absent or empty) and no `|` fallback text;
   * it rendered as nothing. The tenant's `missingVariables` setting decides what happens next.
   */
  readonly onMissing?: (name: string) => void;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function capitaliseFirst(value: string): string {
  const first = value.codePointAt(0);
  if (first === undefined) return value;
  const head = String.fromCodePoint(first);
  return head.toUpperCase() + value.slice(head.length);
}

/**
 * Replaces every `%variable%` in one pass, so a value that itself contains `%name%` is never
 * expanded again. A variable without a value renders as its `|` fallback text, else as nothing
 * (reported through `onMissing`): templates were checked for unknown names on save, so this only
 * happens when neither a rule, the To name nor an attached document gave a value.
 */
export function renderTemplate(template: string, vars: Variables, options: RenderOptions = {}): string {
  let out = '';
  let at = 0;
  for (const ref of findVariables(template)) {
    out += template.slice(at, ref.start);
    at = ref.end;
    const raw = options.raw !== undefined && Object.hasOwn(options.raw, ref.name) ? options.raw[ref.name] : undefined;
    if (raw !== undefined) {
      out += raw;
      continue;
    }
    const value = valueFor(vars, ref, options);
    const shaped = ref.capitalise ? capitaliseFirst(value) : value;
    out += options.escapeHtml ? escapeHtml(shaped) : shaped;
  }
  return out + template.slice(at);
}

function valueFor(vars: Variables, ref: VariableRef, options: RenderOptions): string {
  const value = Object.hasOwn(vars, ref.name) ? (vars[ref.name] ?? '') : '';
  if (value !== '') return value;
  if (ref.fallback !== undefined) return ref.fallback;
  options.onMissing?.(ref.name);
  return '';
}
