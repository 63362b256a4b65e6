/**
 * npm run bench:patterns — what hostile tenant detection patterns cost (in-process, no sockets).
 *
 *   npm run bench:patterns -- [--size 1048576] [--reps 5]
 *
 * 1. "after": each worst pattern we know, compiled as a tenant rule (re2js, per-rule work
 *    budget), against 1 MB subjects of several shapes: the worst single run in ms.
 * 2. the event loop lag (p99, max) while a message with all of them as rules, a 1 MB subject
 *    and a 1 MB text goes through detection, and while one with MAX_RULES copies of the worst.
 * 3. "before": the same patterns on JavaScript's RegExp, on inputs of a few dozen characters
 *    (anything longer does not come back).
 * 4. an honest rule on an ordinary mail, before and after, in µs.
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { contentSettingsSchema, MAX_RULES, type DetectionRule } from '../src/pipeline/content/content-settings.js';
import { detectDocumentYielding, type DetectionInput } from '../src/pipeline/detect/detect.js';
import {
  compileTenantPattern,
  matchWithinBudget,
  type CompiledPattern,
} from '../src/pipeline/detect/tenant-pattern.js';

const opts = parseArgs(process.argv.slice(2));

function parseArgs(argv: string[]) {
  const o = { size: 1024 * 1024, reps: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') o.size = Number(argv[++i]);
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const alternation = `(?:${Array.from({ length: 70 }, (_, i) => `a${'a'.repeat(i % 5)}b${i}`).join('|')})+$`
  .slice(0, 500)
  .replace(/\|[^|]*$/, ')+$');
const WORST: readonly string[] = [
  '(.*a){12}$',
  '(?<n>.*a){12}$',
  '(a|aa)*b',
  '(x+x+)+y',
  String.raw`^(\w+\s?)*$`,
  '(?:a|b)*a(?:a|b){100}c',
  '(.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*=)',
  String.raw`(?:[a-z]+\s?){60}$`,
  '(?:.?a?){120}$',
  '(?<x>.{0,100}){4}$',
  alternation,
  `(?<k>${'(?:a|.)'.repeat(70)})$`,
];

function inputs(size: number): Record<string, string> {
  let rnd = '';
  let x = 12345;
  while (rnd.length < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    rnd += (x >> 16) & 1 ? 'a' : 'b';
  }
  return {
    'a…a': 'a'.repeat(size),
    'a…a!': `${'a'.repeat(size - 1)}!`,
    'aaaa …x': `${'aaaa '.repeat(Math.ceil(size / 5))}`.slice(0, size - 1) + 'x',
    'random a/b': rnd,
    'x…x': 'x'.repeat(size),
  };
}

const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 1);

function afterFigures(subjects: Record<string, string>): void {
  console.log(
    `\n1. re2js with the per-rule budget, ${opts.size} character subjects of ${Object.keys(subjects).length} shapes: first run (cold), then ${opts.reps} runs per shape (median of all, worst):`,
  );
  console.log(
    `${'pattern'.padEnd(48)} ${'instr'.padStart(5)} ${'scans'.padStart(6)} ${'compile'.padStart(8)} ${'first ms'.padStart(9)} ${'median'.padStart(7)} ${'worst ms'.padStart(9)}`,
  );
  for (const pattern of WORST) {
    let t0 = performance.now();
    const c = compileTenantPattern(pattern, false);
    const compileMs = ms(t0);
    if (!c.ok) {
      console.log(`${pattern.slice(0, 48).padEnd(48)} refused on save: ${c.reason}`);
      continue;
    }
    let first = 0;
    const warm: number[] = [];
    for (const value of Object.values(subjects)) {
      for (let r = 0; r <= opts.reps; r++) {
        t0 = performance.now();
        matchWithinBudget(c, [value]);
        if (r === 0) first = Math.max(first, ms(t0));
        else warm.push(ms(t0));
      }
    }
    warm.sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)] ?? 0;
    const worst = warm.at(-1) ?? 0;
    console.log(
      `${pattern.slice(0, 48).padEnd(48)} ${String(c.re.programSize()).padStart(5)} ${String(c.scanChars).padStart(6)} ${fmt(compileMs).padStart(8)} ${fmt(first).padStart(9)} ${fmt(median).padStart(7)} ${fmt(worst).padStart(9)}`,
    );
  }
}

function rulesOf(patterns: readonly string[], field: 'subject' | 'text'): DetectionRule[] {
  return contentSettingsSchema.parse({
    rules: patterns.map((pattern, i) => ({ name: `r${i}`, field, pattern, documentType: 'invoice' })),
  }).rules;
}

async function lagWhile(label: string, run: () => Promise<unknown>): Promise<void> {
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const ticker = setInterval(() => undefined, 1); // keeps the loop turning so that lag is sampled
  lag.enable();
  const t0 = performance.now();
  await run();
  const total = ms(t0);
  lag.disable();
  clearInterval(ticker);
  console.log(
    `${label.padEnd(64)} total ${fmt(total).padStart(7)} ms   lag p99 ${fmt(lag.percentile(99) / 1e6).padStart(6)} ms   max ${fmt(lag.max / 1e6).padStart(6)} ms`,
  );
}

async function lagFigures(subjects: Record<string, string>): Promise<void> {
  console.log('\n2. event loop lag while detection runs (yielding after each tenant rule):');
  const accepted = WORST.filter((p) => compileTenantPattern(p, false).ok);
  const rules = [...rulesOf(accepted, 'subject'), ...rulesOf(accepted, 'text')];
  for (const [name, value] of Object.entries(subjects)) {
    const input: DetectionInput = {
      subject: value,
      text: value,
      attachments: [],
      from: 'a@b.example',
      to: [],
      headers: new Map(),
    };
    await lagWhile(`${rules.length} worst rules, 1 MB subject + text "${name}"`, () =>
      detectDocumentYielding(input, rules),
    );
  }
  const worstOne = '(.*a){12}$';
  const many = rulesOf(
    Array.from({ length: MAX_RULES }, (_, i) => `${worstOne}|z${i}`),
    'text',
  );
  const input: DetectionInput = {
    subject: '',
    text: subjects['a…a']!,
    attachments: [],
    from: 'a@b.example',
    to: [],
    headers: new Map(),
  };
  await lagWhile(`${MAX_RULES} rules (the tenant maximum) of ${worstOne}, 1 MB text`, () =>
    detectDocumentYielding(input, many),
  );
}

function beforeFigures(): void {
  console.log('\n3. before: JavaScript RegExp (backtracking) on short inputs:');
  const cases: readonly [string, (n: number) => string, readonly number[]][] = [
    ['(.*a){12}$', (n) => `${'a'.repeat(n)}!`, [20, 24, 28]],
    ['(a|aa)*b', (n) => 'a'.repeat(n), [26, 30, 34]],
    ['(x+x+)+y', (n) => 'x'.repeat(n), [18, 20, 22]],
    [String.raw`^(\w+\s?)*$`, (n) => `${'a'.repeat(n)}!`, [20, 22, 24]],
  ];
  for (const [pattern, make, sizes] of cases) {
    const re = new RegExp(pattern, 'i');
    const figures = sizes.map((n) => {
      const t0 = performance.now();
      re.test(make(n));
      return `${n} chars ${fmt(ms(t0))} ms`;
    });
    console.log(`${pattern.padEnd(16)} ${figures.join(', ')}`);
  }
}

function honestFigures(): void {
  console.log('\n4. an honest rule on an ordinary mail (5 KB text), µs per message, median of 2000:');
  const pattern = String.raw`(?:factuur|invoice)\s*(?:nr\.?|nummer)?\s*(?<document_number>[A-Z0-9-]{3,20})`;
  const text = `${'Beste klant, hierbij uw overzicht van deze maand. '.repeat(100)}\nFactuur nr 2024-0012\nMet vriendelijke groet`;
  const native = new RegExp(pattern, 'i');
  const c = compileTenantPattern(pattern, false) as CompiledPattern;
  const median = (f: () => unknown) => {
    const t: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      f();
      t.push(ms(t0));
    }
    return t.sort((a, b) => a - b)[1000]! * 1000;
  };
  console.log(
    `before (RegExp) ${fmt(median(() => native.exec(text.slice(0, 20_000))))} µs, after (re2js) ${fmt(median(() => matchWithinBudget(c, [text])))} µs`,
  );
}

async function main(): Promise<void> {
  const subjects = inputs(opts.size);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores: wall-clock figures include time this process waits for a core`,
  );
  afterFigures(subjects);
  await lagFigures(subjects);
  beforeFigures();
  honestFigures();
}

await main();
