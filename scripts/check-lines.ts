import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Fails on source lines longer than the formatter's width. Biome wraps code, but it cannot wrap
 * comments, strings or template literals, so those are caught here and split by hand.
 *
 *   tsx scripts/check-lines.ts [folder ...]      (default: src test)
 *   tsx scripts/check-lines.ts --write-baseline  freeze today's count per file in BASELINE
 *
 * With a baseline file, a file fails only when it has more long lines than the baseline allows,
 * so the count can only go down; without one, every long line fails.
 */

const MAX = 120;
const SOURCE = /\.(ts|js|mjs|cjs)$/;
const root = join(import.meta.dirname, '..');
const BASELINE = join(import.meta.dirname, 'long-lines-baseline.json');

export interface LongLine {
  readonly file: string;
  readonly line: number;
  readonly length: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Length in characters as an editor counts them (code points, not UTF-16 units or bytes). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function longLines(file: string, max = MAX): LongLine[] {
  const found: LongLine[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const length = width(text.replace(/\r$/, ''));
      if (length > max) found.push({ file, line: i + 1, length });
    });
  return found;
}

/** Long lines per file, keyed by the path from the repository root (the baseline file's shape). */
export function countPerFile(found: readonly LongLine[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of found) counts[relative(root, l.file)] = (counts[relative(root, l.file)] ?? 0) + 1;
  return counts;
}

/** The long lines of the files that have more of them than the baseline allows (all, without one). */
export function overBaseline(found: readonly LongLine[], baseline?: Readonly<Record<string, number>>): LongLine[] {
  if (baseline === undefined) return [...found];
  const counts = countPerFile(found);
  return found.filter((l) => (counts[relative(root, l.file)] ?? 0) > (baseline[relative(root, l.file)] ?? 0));
}

function main(args: readonly string[]): number {
  const folders = args.filter((a) => !a.startsWith('--'));
  const found = (folders.length > 0 ? folders : ['src', 'test'])
    .flatMap((f) => sourceFiles(join(root, f)))
    .flatMap((file) => longLines(file));
  if (args.includes('--write-baseline')) {
    writeFileSync(BASELINE, `${JSON.stringify(countPerFile(found), null, 2)}\n`);
    process.stdout.write(`${found.length} long lines frozen in ${relative(root, BASELINE)}\n`);
    return 0;
  }
  const baseline = existsSync(BASELINE)
    ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Record<string, number>)
    : undefined;
  const failing = overBaseline(found, baseline);
  for (const l of failing) process.stdout.write(`${relative(root, l.file)}:${l.line}: ${l.length} characters\n`);
  if (failing.length === 0) return 0;
  process.stdout.write(`\n${failing.length} lines over ${MAX} characters: split the comment, string or template.\n`);
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  process.exitCode = main(process.argv.slice(2));
}
