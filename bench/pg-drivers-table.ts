/** The figures of one case of bench/pg-drivers.ts, their medians over rounds, and the printed table. */
export interface CaseResult {
  readonly perSecond: number;
  readonly clientCpuMs: number;
  readonly serverCpuMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly roundTrips: number;
  readonly walBytes: number;
  readonly commits: number;
  readonly walSyncs: number;
}

type Key = keyof CaseResult;
const KEYS: Key[] = ['perSecond', 'clientCpuMs', 'serverCpuMs', 'p50', 'p99', 'roundTrips', 'walBytes', 'commits'];

/** Each figure's median on its own (the rounds' medians need not come from one round). */
export function medianOf(results: CaseResult[]): CaseResult {
  const median = (key: Key): number => {
    const sorted = results.map((r) => r[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return Object.fromEntries([...KEYS, 'walSyncs'].map((k) => [k, median(k as Key)])) as unknown as CaseResult;
}

const COLUMNS: { title: string; show: (r: CaseResult) => string }[] = [
  { title: 'msg/s', show: (r) => r.perSecond.toFixed(0) },
  { title: 'client CPU ms/msg', show: (r) => r.clientCpuMs.toFixed(2) },
  { title: 'server CPU ms/msg', show: (r) => r.serverCpuMs.toFixed(2) },
  { title: 'p50 ms', show: (r) => r.p50.toFixed(1) },
  { title: 'p99 ms', show: (r) => r.p99.toFixed(1) },
  { title: 'round trips/msg', show: (r) => r.roundTrips.toFixed(3) },
  { title: 'WAL KiB/msg', show: (r) => (r.walBytes / 1024).toFixed(1) },
  { title: 'commits/msg', show: (r) => r.commits.toFixed(3) },
  { title: 'WAL syncs/msg', show: (r) => r.walSyncs.toFixed(3) },
];

/** A Markdown table, so docs/postgres-capacity.md can take it as printed. */
export function formatTable(rows: { name: string; result: CaseResult }[]): string {
  const lines = [
    `| case | ${COLUMNS.map((c) => c.title).join(' | ')} |`,
    `|---|${COLUMNS.map(() => '---:').join('|')}|`,
    ...rows.map(({ name, result }) => `| ${name} | ${COLUMNS.map((c) => c.show(result)).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
