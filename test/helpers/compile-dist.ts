import { execFile } from 'node:child_process';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Compiles `files` (paths under src/) with the project's tsconfig into `<temp>/dist`, as the
 * production build lays them out, in a temp folder that can `import` from node_modules. Answers the
 * folder (the caller removes it). For tests that run a worker pool under plain node, without tsx.
 */
export async function compileToDist(prefix: string, files: readonly string[], timeoutMs: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: join(ROOT, 'src'), outDir: join(dir, 'dist'), noEmit: false, sourceMap: false },
      include: [],
      files: files.map((f) => join(ROOT, f)),
    }),
  );
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
    timeout: timeoutMs,
  });
  return dir;
}
