import { ALL_LABELS } from './labels.js';

/**
 * Finds the labels on the lines of a text layer and the text each one introduces: the rest of its
 * line up to the next label, or, when nothing follows it, the next line (a label above its value)
 * or the same column of the next line (a header row of labels above a row of values).
 */

export type Placement = 'same-line' | 'column-below' | 'line-below';

export interface LabelHit {
  /** The label as listed in labels.ts. */
  readonly label: string;
  readonly value: string;
  readonly placement: Placement;
}

interface Segment {
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

const CANONICAL = new Map(ALL_LABELS.map((label) => [label.toLowerCase(), label]));
// Longest first, so "Total TTC" wins over "Total" and "Date d'échéance" over "Date".
const LABEL_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(${[...CANONICAL.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})(?![\\p{L}\\p{N}])`,
  'giu',
);
const LEAD = /^[\s:#.\-–—]*/u;
/** Columns in the text layer are separated by two or more spaces (text-layer.ts). */
const COLUMN = /\s{2,}/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function segments(line: string): Segment[] {
  const found: Segment[] = [];
  for (const match of line.matchAll(LABEL_RE)) {
    const label = CANONICAL.get(match[0].toLowerCase());
    if (label !== undefined) found.push({ label, start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/** Every label hit in `lines`, in reading order. */
export function scanLabels(lines: readonly string[]): LabelHit[] {
  const hits: LabelHit[] = [];
  lines.forEach((line, index) => {
    const found = segments(line);
    found.forEach((segment, k) => {
      const next = found[k + 1];
      const own = line
        .slice(segment.end, next?.start ?? line.length)
        .replace(LEAD, '')
        .trim();
      if (own !== '') hits.push({ label: segment.label, value: own, placement: 'same-line' });
      else hits.push(...below(line, found, k, lines[index + 1]));
    });
  });
  return hits;
}

/** The value under a label that has nothing after it on its own line. */
function below(line: string, found: readonly Segment[], k: number, next: string | undefined): LabelHit[] {
  const segment = found[k];
  if (segment === undefined || next === undefined || next.trim() === '' || segments(next).length > 0) return [];
  const headerCells = line.trim().split(COLUMN);
  const valueCells = next.trim().split(COLUMN);
  if (found.length > 1 && headerCells.length === found.length && valueCells.length === found.length) {
    return [{ label: segment.label, value: valueCells[k] ?? '', placement: 'column-below' }];
  }
  if (found.length > 1) return [];
  return [{ label: segment.label, value: next.trim(), placement: 'line-below' }];
}
