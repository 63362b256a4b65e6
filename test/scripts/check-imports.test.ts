import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports, findCycles, type ImportRules, specifiers } from '../../scripts/check-imports.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-imports-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const LAYERS = { core: [], transports: ['core'], tenants: ['core'], 'main.ts': ['*'] };
const rules = (over: Partial<ImportRules> = {}): ImportRules => ({
  layers: LAYERS,
  knownWrongWay: [],
  knownCycleEdges: [],
  ...over,
});

describe('check-imports', () => {
  it('passes on the current src/ with the table kept in the script', () => {
    expect(checkImports(join(import.meta.dirname, '../../src'))).toEqual([]);
  });

  it('reports an import the layer table does not allow, and lets a listed one through', () => {
    const src = tree({
      'core/types.ts': 'export type Id = string;\n',
      'tenants/tenant.ts': "import type { Id } from '../core/types.js';\nexport const t = (id: Id) => id;\n",
      'transports/smtp.ts': "import { t } from '../tenants/tenant.js';\nexport const s = t;\n",
      'main.ts': "import { s } from './transports/smtp.js';\nimport { t } from './tenants/tenant.js';\ns; t;\n",
    });
    expect(checkImports(src, rules())).toEqual([
      'wrong-way import: transports/smtp.ts -> tenants/tenant.ts (transports may not import tenants)',
    ]);
    expect(checkImports(src, rules({ knownWrongWay: ['transports/smtp.ts -> tenants/tenant.ts'] }))).toEqual([]);
  });

  it('prints a cycle as a path, including one made of type-only imports and re-exports', () => {
    const src = tree({
      'core/a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\n",
      'core/b.ts': "export type { C as B } from './c.js';\n",
      'core/c.ts': "export type C = { a?: import('./a.js').A };\n",
    });
    expect(checkImports(src, rules())).toEqual(['import cycle: core/a.ts -> core/b.ts -> core/c.ts -> core/a.ts']);
    expect(checkImports(src, rules({ knownCycleEdges: ['core/c.ts -> core/a.ts'] }))).toEqual([]);
  });

  it('asks to remove a listed exception once its import is gone, so the lists only shrink', () => {
    const src = tree({ 'core/a.ts': 'export const a = 1;\n' });
    expect(checkImports(src, rules({ knownWrongWay: ['transports/x.ts -> tenants/y.ts'] }))).toEqual([
      'KNOWN_WRONG_WAY entry no longer imported, remove it: transports/x.ts -> tenants/y.ts',
    ]);
  });

  it('refuses a layer table that itself allows a loop between folders', () => {
    const src = tree({ 'core/a.ts': 'export const a = 1;\n' });
    const loop = { core: ['tenants'], tenants: ['core'] };
    expect(checkImports(src, rules({ layers: loop }))).toEqual(['layer table allows a loop: core -> tenants -> core']);
  });

  it('names a folder missing from the table instead of letting it import anything', () => {
    const src = tree({
      'core/a.ts': 'export const a = 1;\n',
      'newfolder/x.ts': "import { a } from '../core/a.js';\na;\n",
    });
    expect(checkImports(src, rules())).toEqual([
      'wrong-way import: newfolder/x.ts -> core/a.ts (newfolder is not in the layer table)',
    ]);
  });

  it('reads dynamic imports, import types and export-from, and ignores strings that only look like imports', () => {
    const text = [
      "import './side-effect.js';",
      "export * from './all.js';",
      "const m = await import('./lazy.js');",
      "type T = import('./typed.js').T;",
      'const s = "import x from \'./not-an-import.js\'";',
    ].join('\n');
    expect(specifiers('x.ts', text)).toEqual(['./side-effect.js', './all.js', './lazy.js', './typed.js']);
  });

  it('finds a file that imports itself', () => {
    expect(findCycles([{ from: 'core/a.ts', to: 'core/a.ts' }])).toEqual([['core/a.ts', 'core/a.ts']]);
  });
});
