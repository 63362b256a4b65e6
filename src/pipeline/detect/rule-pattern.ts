import { canonicalName } from '../content/template-syntax.js';
import { sharedPatternCache } from './tenant-pattern.js';

/**
 * Tenant detection rules are regular expressions in RE2 syntax, run on a linear-time engine
 * (tenant-pattern.ts), so a pattern cannot hang on any input however it nests repetitions.
 * They are checked on save: they must compile on that engine (backreferences and lookaround
 * are refused with the reason), stay short, and compile to a bounded program.
 */
export const MAX_PATTERN_LENGTH = 500;

/** Named group that sets the message language instead of a variable. */
export const LANGUAGE_GROUP = 'language';

/** Canonical variable names of the pattern's named groups (`document_number` → `document-number`). */
export function captureNames(pattern: string, caseSensitive = false): string[] {
  const compiled = sharedPatternCache.compile(pattern, caseSensitive);
  if (!compiled.ok) return [];
  const names: string[] = [];
  for (const group of compiled.groupNames) {
    const name = canonicalName(group);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Problems with a pattern, empty when it may be saved. */
export function checkPattern(pattern: string, caseSensitive = false): string[] {
  if (pattern.length === 0) return ['pattern must not be empty'];
  if (pattern.length > MAX_PATTERN_LENGTH) return [`pattern is too long (at most ${MAX_PATTERN_LENGTH} characters)`];
  const compiled = sharedPatternCache.compile(pattern, caseSensitive);
  return compiled.ok ? [] : [compiled.reason];
}
