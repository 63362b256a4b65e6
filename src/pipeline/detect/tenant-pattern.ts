import { RE2JS, RE2JSException, RE2JSSyntaxException, RE2Set } from 're2js';

/**
 * Tenant detection patterns run on re2js, a linear-time engine (a pure-JS port of RE2): no
 * backtracking, so no pattern can take exponential time. Linear is not free, though: the cost
 * of a scan grows with the input length times the number of program instructions. On honest
 * patterns the DFA needs well under 1 ns per instruction-character; a hostile one makes the
 * DFA give up and the NFA run, which keeps up to one thread per instruction: ~100 ns per
 * instruction-character measured at worst, and the capture pass for named groups about 3x
 * that. So each rule gets a work budget in instruction-characters, which sets how much of a
 * value it sees: a 15-instruction rule (`factuur\s*(\d+)`) sees the first 6,400 characters,
 * 2,133 with a named group; `MARKER` (8) 12,000; never more than 64 KiB; the largest allowed at least 32. That
 * keeps one rule at ~10 ms of event loop at worst, whatever the pattern and the mail
 * (bench/patterns.ts), and detection yields between rules.
 */
export const MAX_SCAN_CHARS = 64 * 1024;
/** Instruction-characters one rule may spend per message (test and capture pass together). */
export const RULE_WORK_BUDGET = 96_000;
/** Patterns with named groups also run the capture pass (NFA) over the slice: they count triple. */
export const CAPTURE_WEIGHT = 3;
/**
 * DFA state memory per compiled pattern. re2js's default (8 MiB) lets a state-exploding
 * pattern spend ~100 ms building states before it falls back to the NFA, and would let the
 * cache below hold 4 GiB; with this much it gives up early and the cache stays under 64 MiB.
 */
const DFA_MEMORY = 128 * 1024;
/** Larger programs are refused on save: they would see too little of a mail to be useful. */
export const MAX_PATTERN_INSTRUCTIONS = 1_000;
/** Compiled patterns kept; tenants share entries for the same pattern text and flags. */
export const PATTERN_CACHE_SIZE = 500;

export interface CompiledPattern {
  readonly ok: true;
  readonly re: RE2JS;
  /** The same pattern as a one-pattern set: a DFA test with bounded state memory. */
  readonly test: (input: string) => boolean;
  /** Named groups as written in the pattern (`document_number`), empty when none. */
  readonly groupNames: readonly string[];
  /** Characters of one value this pattern may scan, from its size and the work budget. */
  readonly scanChars: number;
}

export interface RefusedPattern {
  readonly ok: false;
  /** Why, in words a tenant can act on. */
  readonly reason: string;
}

export type PatternResult = CompiledPattern | RefusedPattern;

/** A bounded LRU of compiled patterns: compile once per (pattern, flags), not per message. */
export interface PatternCache {
  compile(pattern: string, caseSensitive: boolean): PatternResult;
  readonly size: number;
}

export function createPatternCache(limit = PATTERN_CACHE_SIZE): PatternCache {
  const entries = new Map<string, PatternResult>();
  return {
    compile(pattern, caseSensitive) {
      const key = `${caseSensitive ? 's' : 'i'}:${pattern}`;
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key); // re-insert: Map order is the recency order
        entries.set(key, hit);
        return hit;
      }
      const made = compileTenantPattern(pattern, caseSensitive);
      entries.set(key, made);
      if (entries.size > limit) entries.delete(entries.keys().next().value as string);
      return made;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * One cache for the process: detection is called from stages without their own deps, and a
 * compiled pattern is an immutable value keyed by its own text, so sharing it is safe.
 */
export const sharedPatternCache: PatternCache = createPatternCache();

export function compileTenantPattern(pattern: string, caseSensitive: boolean): PatternResult {
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern), caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    return { ok: false, reason: refusalReason(err) };
  }
  const size = re.programSize();
  if (size > MAX_PATTERN_INSTRUCTIONS) {
    return {
      ok: false,
      reason:
        `pattern is too complex (${size} instructions, at most ${MAX_PATTERN_INSTRUCTIONS}); use fewer or ` +
        `smaller repetitions like {1000}`,
    };
  }
  const set = new RE2Set(RE2Set.UNANCHORED, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE, DFA_MEMORY);
  set.add(toRe2Syntax(pattern));
  set.compile();
  const test = (input: string) => set.match(input).length > 0;
  const groupNames = Object.keys(re.namedGroups());
  const cost = Math.max(1, size) * (groupNames.length > 0 ? CAPTURE_WEIGHT : 1);
  return { ok: true, re, test, groupNames, scanChars: Math.min(MAX_SCAN_CHARS, Math.floor(RULE_WORK_BUDGET / cost)) };
}

/**
 * JavaScript's `\uXXXX` escape is `\x{XXXX}` in RE2; everything else a tenant writes in the
 * JavaScript dialect either means the same in RE2 or is refused with a reason.
 */
export function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\(\\|u([0-9A-Fa-f]{4}))/g, (whole, _escaped: string, hex: string | undefined) =>
    hex === undefined ? whole : `\\x{${hex}}`,
  );
}

const UNSUPPORTED: readonly { readonly test: RegExp; readonly reason: string }[] = [
  { test: /^\\[1-9k]/, reason: 'backreferences (\\1, \\k<name>) are not supported' },
  { test: /^\(\?[=!]/, reason: 'lookahead ((?=...) and (?!...)) is not supported' },
  { test: /^\(\?<[=!]/, reason: 'lookbehind ((?<=...) and (?<!...)) is not supported' },
  { test: /^\(\?>/, reason: 'atomic groups ((?>...)) are not supported' },
  { test: /^[*+?}][+]/, reason: 'possessive quantifiers (a++, a*+) are not supported' },
];

/** The engine's error, as a sentence naming the construct and what to do. */
function refusalReason(err: unknown): string {
  if (!(err instanceof RE2JSSyntaxException))
    return `pattern does not compile: ${err instanceof RE2JSException ? err.message : String(err)}`;
  const at = (err.getPattern() ?? '').replace(/^\(\?i\)/, ''); // the flag is ours, not the tenant's
  const known = UNSUPPORTED.find((u) => u.test.test(at));
  const suffix = 'patterns run on a linear-time engine (RE2 syntax), which cannot run them without risking a hang';
  if (known) return `${known.reason}: ${suffix}`;
  return `pattern does not compile: ${err.getDescription()}${at === '' ? '' : ` at \`${at.slice(0, 40)}\``}`;
}

export interface PatternMatch {
  /** Named groups that took part in the match, by their name as written. */
  readonly groups: Readonly<Record<string, string>>;
}

/**
 * The first of `values` the pattern matches, within the rule's budget: each value is cut to
 * what is left of `scanChars`. The DFA test runs first (fast, bounded memory); the capture
 * pass only when it matched and the pattern has named groups.
 */
export function matchWithinBudget(compiled: CompiledPattern, values: readonly string[]): PatternMatch | undefined {
  let left = compiled.scanChars;
  for (const value of values) {
    if (left <= 0) break;
    const slice = value.length > left ? value.slice(0, left) : value;
    left -= slice.length;
    if (!compiled.test(slice)) continue;
    if (compiled.groupNames.length === 0) return { groups: {} };
    const m = compiled.re.matcher(slice);
    if (!m.find()) continue;
    const groups: Record<string, string> = {};
    for (const name of compiled.groupNames) {
      const v = m.group(name);
      if (v !== null) groups[name] = v;
    }
    return { groups };
  }
  return undefined;
}
