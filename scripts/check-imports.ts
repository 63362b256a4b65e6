import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Keeps the dependencies of src/ pointing inward. Builds the import graph of src/ (static imports,
 * `export … from`, `import()` and `import('…')` types, type-only imports included: a type is a
 * dependency too) and fails on
 *   - a cycle between files (printed as a path), and
 *   - an import from one folder into another that LAYERS does not allow.
 * The arrows that break these rules today are listed, one by one, in KNOWN_WRONG_WAY and
 * KNOWN_CYCLE_EDGES, so they stay visible and no new one can join them: remove a line when its
 * arrow is gone (the check says so when an entry no longer matches anything).
 *
 *   tsx scripts/check-imports.ts
 */

/**
 * Each top folder of src/ (or root file) and the folders it may import from. A folder may always
 * import its own files. '*' means any folder (only the composition root). The table is itself
 * checked to be free of cycles, so what it allows cannot form a loop between folders.
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  mime: ['core'],
  documents: ['core', 'mime'],
  config: ['core'],
  secrets: ['core', 'config'],
  store: ['core', 'config'],
  mailauth: ['core', 'mime', 'config', 'secrets'],
  transports: ['core', 'mime', 'config'],
  queue: ['core', 'mime', 'config', 'store'],
  tenants: ['core', 'mime', 'config', 'secrets', 'store', 'mailauth', 'transports', 'queue'],
  feedback: ['core', 'mime', 'config', 'secrets', 'store', 'queue', 'tenants', 'mailauth'],
  pipeline: ['core', 'mime', 'documents', 'config', 'secrets', 'store', 'queue', 'tenants', 'mailauth', 'feedback'],
  delivery: ['core', 'mime', 'config', 'queue', 'transports'],
  webhooks: ['core', 'config', 'store', 'queue'],
  receive: ['core', 'mime', 'config', 'secrets', 'store', 'queue', 'tenants', 'feedback', 'mailauth'],
  admin: [
    'core',
    'mime',
    'documents',
    'config',
    'secrets',
    'store',
    'queue',
    'tenants',
    'mailauth',
    'feedback',
    'pipeline',
    'delivery',
    'webhooks',
  ],
  cluster: ['core', 'config', 'store', 'queue'],
  compose: ['*'],
  'gateway.ts': ['*'],
  'main.ts': ['*'],
};

/** Wrong-way imports that exist today ('from -> to', paths under src/). Do not add to this list. */
export const KNOWN_WRONG_WAY: readonly string[] = [];

/** Imports that close a cycle between files today ('from -> to'); the graph without them is acyclic. */
export const KNOWN_CYCLE_EDGES: readonly string[] = [];

export interface ImportRules {
  readonly layers: Readonly<Record<string, readonly string[]>>;
  readonly knownWrongWay: readonly string[];
  readonly knownCycleEdges: readonly string[];
}

export const RULES: ImportRules = {
  layers: LAYERS,
  knownWrongWay: KNOWN_WRONG_WAY,
  knownCycleEdges: KNOWN_CYCLE_EDGES,
};

const SOURCE = /\.(ts|js|mjs)$/;

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every module specifier a file names: imports, re-exports, dynamic imports and import types. */
export function specifiers(fileName: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteral(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    }
    node.forEachChild(visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false));
  return found;
}

/** Resolves a relative specifier ('./x.js' written for './x.ts') to a file in the set, if any. */
function resolveLocal(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.(js|mjs)$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => files.has(c));
}

export function importGraph(dir: string): ImportEdge[] {
  const srcDir = resolve(dir);
  const files = sourceFiles(srcDir);
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const spec of specifiers(file, readFileSync(file, 'utf8'))) {
      const target = resolveLocal(file, spec, known);
      if (target !== undefined) edges.push({ from: relative(srcDir, file), to: relative(srcDir, target) });
    }
  }
  return edges;
}

/** The top folder of a path under src/, or the file itself when it sits at the top. */
export function unitOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(0, slash);
}

const arrow = (e: ImportEdge): string => `${e.from} -> ${e.to}`;

/** Imports from one folder into another that the layer table does not allow, with the reason. */
export function wrongWay(edges: readonly ImportEdge[], layers: ImportRules['layers']): [ImportEdge, string][] {
  const found: [ImportEdge, string][] = [];
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    const allowed = layers[from];
    if (from === to || allowed?.includes('*') || allowed?.includes(to)) continue;
    found.push([e, allowed === undefined ? `${from} is not in the layer table` : `${from} may not import ${to}`]);
  }
  return found;
}

/** Cycles in a directed graph: one path per strongly connected component (Tarjan), or a self-loop. */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(cyclePath(component, next));
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  return cycles;
}

/** A readable loop through a strongly connected component: a -> b -> … -> a (shortest from its first file). */
function cyclePath(component: readonly string[], next: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) return [...pathTo(v, cameFrom, start), start];
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function pathTo(v: string, cameFrom: ReadonlyMap<string, string>, start: string): string[] {
  const path = [v];
  for (let at = v; at !== start; at = cameFrom.get(at)!) path.unshift(cameFrom.get(at)!);
  return path;
}

/** The layer table must not allow a loop between folders. */
export function layerCycles(layers: ImportRules['layers']): string[][] {
  const edges = Object.entries(layers).flatMap(([from, tos]) =>
    tos.filter((to) => to !== '*').map((to) => ({ from, to })),
  );
  return findCycles(edges);
}

/** Every broken rule, one line each; empty when the imports of srcDir are in order. */
export function checkImports(srcDir: string, rules: ImportRules = RULES): string[] {
  const edges = importGraph(srcDir);
  const seen = new Set(edges.map(arrow));
  const knownWrong = new Set(rules.knownWrongWay);
  const knownCycle = new Set(rules.knownCycleEdges);
  const report: string[] = [];
  for (const loop of layerCycles(rules.layers)) report.push(`layer table allows a loop: ${loop.join(' -> ')}`);
  for (const [e, why] of wrongWay(edges, rules.layers)) {
    if (!knownWrong.has(arrow(e))) report.push(`wrong-way import: ${arrow(e)} (${why})`);
  }
  for (const loop of findCycles(edges.filter((e) => !knownCycle.has(arrow(e))))) {
    report.push(`import cycle: ${loop.join(' -> ')}`);
  }
  for (const [name, list] of [
    ['KNOWN_WRONG_WAY', rules.knownWrongWay],
    ['KNOWN_CYCLE_EDGES', rules.knownCycleEdges],
  ] as const) {
    for (const entry of list)
      if (!seen.has(entry)) report.push(`${name} entry no longer imported, remove it: ${entry}`);
  }
  return report;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  const srcDir = join(import.meta.dirname, '..', 'src');
  const report = checkImports(srcDir);
  for (const line of report) process.stdout.write(`${line}\n`);
  const files = new Set(importGraph(srcDir).flatMap((e) => [e.from, e.to])).size;
  process.stdout.write(report.length === 0 ? `imports ok (${files} files)\n` : `\n${report.length} import problems\n`);
  process.exitCode = report.length === 0 ? 0 : 1;
}
