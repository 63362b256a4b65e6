import { describe, expect, it } from 'vitest';
import { checkPattern, captureNames } from '../../../src/pipeline/detect/rule-pattern.js';
import {
  CAPTURE_WEIGHT,
  compileTenantPattern,
  createPatternCache,
  matchWithinBudget,
  MAX_PATTERN_INSTRUCTIONS,
  MAX_SCAN_CHARS,
  RULE_WORK_BUDGET,
  toRe2Syntax,
  type CompiledPattern,
} from '../../../src/pipeline/detect/tenant-pattern.js';

const compiled = (pattern: string, caseSensitive = false): CompiledPattern => {
  const c = compileTenantPattern(pattern, caseSensitive);
  if (!c.ok) throw new Error(c.reason);
  return c;
};

describe('tenant patterns: what the linear-time engine refuses, in words', () => {
  it.each([
    [
      String.raw`(\d+)-\1`,
      /^backreferences \(\\1, \\k<name>\) are not supported: patterns run on a linear-time engine/,
    ],
    [String.raw`(?<n>\d+)-\k<n>`, /^backreferences/],
    [String.raw`factuur(?= \d)`, /^lookahead/],
    [String.raw`factuur(?!s)`, /^lookahead/],
    [String.raw`(?<=nr )\d+`, /^lookbehind/],
    [String.raw`(?<!x)\d+`, /^lookbehind/],
    [String.raw`(?>a+)b`, /^atomic groups/],
    [String.raw`\d++`, /^possessive quantifiers/],
    [String.raw`a*+b`, /^possessive quantifiers/],
    ['(unclosed', /^pattern does not compile: missing closing \) at `\(unclosed`/],
    ['a{1001}', /^pattern does not compile: invalid repeat count/],
    ['(?<n>a)(?<n>b)', /^pattern does not compile: duplicate capture group name/],
  ])('%s is refused', (pattern, reason) => {
    const problems = checkPattern(pattern);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(reason);
  });

  it('refuses programs too large to scan a useful part of a mail', () => {
    const [problem] = checkPattern('(?:.?a?){300}$');
    expect(problem).toMatch(
      new RegExp(`^pattern is too complex \\(\\d+ instructions, at most ${MAX_PATTERN_INSTRUCTIONS}\\)`),
    );
  });

  it('accepts what backtracking engines hang on, and ordinary rules', () => {
    for (const p of [
      '(.*a){12}$',
      '(a|aa)*b',
      '(x+x+)+y',
      String.raw`^(\w+\s?)*$`,
      String.raw`Factuur (?<document_number>[\w-]+)(?: \((?:EUR|€)\))?`,
      String.raw`\p{L}+`,
    ]) {
      expect(checkPattern(p), p).toEqual([]);
    }
  });

  it('keeps named groups in both spellings, and the language group', () => {
    expect(captureNames(String.raw`(?<document_number>\d+) (?P<client_name>\w+) \[(?<language>\w+)\]`)).toEqual([
      'document-number',
      'client-name',
      'language',
    ]);
    const m = matchWithinBudget(compiled(String.raw`factuur (?<document_number>\d+)(?: \[(?P<language>\w+)\])?`), [
      'Uw FACTUUR 2024 [fr]',
    ]);
    expect(m).toEqual({ groups: { document_number: '2024', language: 'fr' } });
  });

  it('case-insensitive unless asked; \\uXXXX works as in JavaScript', () => {
    expect(matchWithinBudget(compiled('factuur'), ['FACTUUR'])).toEqual({ groups: {} });
    expect(matchWithinBudget(compiled('factuur', true), ['FACTUUR'])).toBeUndefined();
    expect(toRe2Syntax(String.raw`a\u00e9\\u0041[\u00A0]`)).toBe(String.raw`a\x{00e9}\\u0041[\x{00A0}]`);
    expect(matchWithinBudget(compiled(String.raw`caf\u00e9`), ['Café'])).toEqual({ groups: {} });
  });
});

describe('tenant patterns: bounded work', () => {
  it('a pattern sees at most its share of the budget, across all values of a rule', () => {
    const p = compiled('MARKER');
    expect(p.scanChars).toBe(Math.min(MAX_SCAN_CHARS, Math.floor(RULE_WORK_BUDGET / p.re.programSize())));
    const named = compiled(String.raw`factuur\s*(?<document_number>\d+)`);
    expect(named.scanChars).toBe(Math.floor(RULE_WORK_BUDGET / (named.re.programSize() * CAPTURE_WEIGHT)));
    expect(matchWithinBudget(p, ['x'.repeat(p.scanChars - 6) + 'MARKER'])).toBeDefined();
    expect(matchWithinBudget(p, ['x'.repeat(p.scanChars - 5) + 'MARKER'])).toBeUndefined();
    expect(matchWithinBudget(p, ['x'.repeat(p.scanChars - 3), 'MARKER'])).toBeUndefined();
    expect(matchWithinBudget(p, ['x'.repeat(10), 'MARKER'])).toBeDefined();
  });

  it('(.*a){12}$ on 1 MB returns quickly', () => {
    const p = compiled('(?<x>.*a){12}$');
    const input = 'a'.repeat(1024 * 1024);
    matchWithinBudget(p, [input]);
    const t = performance.now();
    expect(matchWithinBudget(p, [input])).toBeDefined();
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('the cache compiles once per (pattern, flags) and forgets the least recently used', () => {
    const cache = createPatternCache(2);
    const a = cache.compile('a', false);
    expect(cache.compile('a', false)).toBe(a);
    expect(cache.compile('a', true)).not.toBe(a);
    cache.compile('a', false); // a (insensitive) is now the most recent
    cache.compile('b', false);
    expect(cache.size).toBe(2);
    expect(cache.compile('a', false)).toBe(a);
  });
});
