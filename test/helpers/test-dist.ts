import { cp, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(import.meta.dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** src/ transpiled as `npm run build` lays it out (test/helpers/test-dist.ts); child processes run it. */
    testDist: string;
  }
}

/**
 * vitest's globalSetup: transpiles src/ once per run into a temp `dist` that plain `node` runs. A gateway
 * or CLI child process started through tsx spends about a second of CPU compiling and hooking its
 * imports; the crash, failover and worker tests start some sixty of them. Types are checked by
 * `npm run typecheck` before the tests, so a transpile (esbuild, no type check) is all this needs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-test-dist-'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const dist = join(dir, 'dist');
  await build({
    entryPoints: await sourceFiles(join(ROOT, 'src')),
    outbase: join(ROOT, 'src'),
    outdir: dist,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'error',
  });
  // The files `npm run build` copies next to the code: the settings page and the SQL migrations.
  await cp(join(ROOT, 'src/admin/web/client'), join(dist, 'admin/web/client'), { recursive: true });
  await cp(join(ROOT, 'src/store/postgres/migrations'), join(dist, 'store/postgres/migrations'), { recursive: true });
  project.provide('testDist', dist);
  return () => rm(dir, { recursive: true, force: true });
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}
