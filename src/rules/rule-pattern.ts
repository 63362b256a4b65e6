import { canonicalName } from './template-syntax.js';

/**
 * Tenant detection rules are regular expressions run on mail bodies, so they are checked on
 * save: they must compile, stay short, and avoid the nested unbounded repetition that makes
 * backtracking explode (`(a+)+`, `(\w*\s?)*`). The check is a heuristic on the pattern text;
 * inputs are also capped in length where rules run (see detect.ts).
 */
export const MAX_PATTERN_LENGTH = 500;

/** Named group that sets the message language instead of a variable. */
export const LANGUAGE_GROUP = 'language';

export function rulePatternFlags(caseSensitive: boolean): string {
  return caseSensitive ? '' : 'i';
}

/** Canonical variable names of the pattern's named groups (`document_number` → `document-number`). */
export function captureNames(pattern: string): string[] {
  const names: string[] = [];
  for (const match of pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)) {
    const name = canonicalName(match[1] ?? '');
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Problems with a pattern, empty when it may be saved. */
export function checkPattern(pattern: string): string[] {
  if (pattern.length === 0) return ['pattern must not be empty'];
  if (pattern.length > MAX_PATTERN_LENGTH) return [`pattern is too long (at most ${MAX_PATTERN_LENGTH} characters)`];
  try {
    new RegExp(pattern);
  } catch (err) {
    return [`pattern does not compile: ${(err as Error).message}`];
  }
  return hasNestedRepetition(pattern) ? ['pattern repeats a group that itself repeats (like (a+)+); this can hang on long mail'] : [];
}

interface GroupState {
  repeats: boolean;
}

/** True when a group containing a quantifier or alternation is itself repeated without bound. */
export function hasNestedRepetition(pattern: string): boolean {
  const stack: GroupState[] = [{ repeats: false }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === '\\') { i += 2; markRepeat(stack, pattern, i); continue; }
    if (c === '[') { i = skipClass(pattern, i); markRepeat(stack, pattern, i); continue; }
    if (c === '(') { stack.push({ repeats: false }); i += 1; continue; }
    if (c === ')') {
      const inner = stack.length > 1 ? stack.pop() : undefined;
      i += 1;
      if (inner?.repeats && isUnbounded(pattern, i)) return true;
      if (inner?.repeats || isQuantifier(pattern, i)) setTop(stack);
      continue;
    }
    if (c === '|') setTop(stack);
    i += 1;
    markRepeat(stack, pattern, i);
  }
  return false;
}

function setTop(stack: GroupState[]): void {
  const top = stack[stack.length - 1];
  if (top) top.repeats = true;
}

function markRepeat(stack: GroupState[], pattern: string, next: number): void {
  if (isQuantifier(pattern, next)) setTop(stack);
}

function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length && pattern.charAt(i) !== ']') i += pattern.charAt(i) === '\\' ? 2 : 1;
  return i + 1;
}

function isQuantifier(pattern: string, at: number): boolean {
  const c = pattern.charAt(at);
  return c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(at)));
}

function isUnbounded(pattern: string, at: number): boolean {
  const c = pattern.charAt(at);
  return c === '*' || c === '+' || /^\{\d+,\}/.test(pattern.slice(at));
}
