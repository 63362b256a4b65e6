/**
 * Dates as invoices write them in nl, fr, en and de, to ISO "2026-03-31": 31-03-2026, 31/03/2026,
 * 31.03.2026, 2026-03-31, 31 maart 2026, 31 mars 2026, 31. März 2026, March 31, 2026, 31 March 2026.
 * Numeric dates are read day first (the four languages' order); "03/31/2026" works only because 31
 * cannot be a month.
 */

const MONTHS: Readonly<Record<string, number>> = monthTable([
  ['januari janvier january januar jan janv', 1],
  ['februari février fevrier february februar feb fév fev févr', 2],
  ['maart mars march märz maerz mar mrt mär', 3],
  ['april avril apr avr', 4],
  ['mei mai may', 5],
  ['juni juin june jun', 6],
  ['juli juillet july jul juil', 7],
  ['augustus août aout august aug', 8],
  ['september septembre sep sept', 9],
  ['oktober octobre october oct okt', 10],
  ['november novembre nov', 11],
  ['december décembre decembre dezember dec déc dez', 12],
]);

function monthTable(rows: readonly (readonly [string, number])[]): Record<string, number> {
  const table: Record<string, number> = {};
  for (const [names, month] of rows) for (const name of names.split(' ')) table[name] = month;
  return table;
}

const MONTH_WORD = '([A-Za-zÀ-ÿ]{3,10})\\.?';
const PATTERNS: readonly { re: RegExp; order: 'dmy' | 'ymd' | 'd-word-y' | 'word-d-y' }[] = [
  { re: /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/, order: 'ymd' },
  { re: /\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b/, order: 'dmy' },
  { re: new RegExp(`\\b(\\d{1,2})(?:\\.|er)?\\s+${MONTH_WORD}\\s+(\\d{4})\\b`, 'u'), order: 'd-word-y' },
  { re: new RegExp(`(?<![A-Za-zÀ-ÿ])${MONTH_WORD}\\s+(\\d{1,2}),?\\s+(\\d{4})\\b`, 'u'), order: 'word-d-y' },
];

/** The first date in `text`, as ISO, with where it was found; undefined when none is a real date. */
export function findDate(text: string): { iso: string; index: number } | undefined {
  let best: { iso: string; index: number } | undefined;
  for (const { re, order } of PATTERNS) {
    const match = re.exec(text);
    if (match === null) continue;
    const iso = toIso(match, order);
    if (iso !== undefined && (best === undefined || match.index < best.index)) best = { iso, index: match.index };
  }
  return best;
}

function toIso(m: RegExpExecArray, order: 'dmy' | 'ymd' | 'd-word-y' | 'word-d-y'): string | undefined {
  const [a = '', b = '', c = ''] = m.slice(1);
  switch (order) {
    case 'ymd':
      return isoDate(Number(a), Number(b), Number(c));
    case 'dmy':
      return Number(b) > 12 ? isoDate(Number(c), Number(a), Number(b)) : isoDate(Number(c), Number(b), Number(a));
    case 'd-word-y':
      return isoDate(Number(c), MONTHS[b.toLowerCase()], Number(a));
    case 'word-d-y':
      return isoDate(Number(c), MONTHS[a.toLowerCase()], Number(b));
  }
}

function isoDate(year: number, month: number | undefined, day: number): string | undefined {
  if (month === undefined || month < 1 || month > 12 || day < 1 || year < 1900 || year > 2199) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}
