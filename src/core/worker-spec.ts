import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * How to start the worker file `name` that sits next to `moduleUrl`, with that module's extension:
 * `.js` when compiled to dist/, `.ts` under tsx/vitest. A `.ts` worker needs tsx's loader, but on
 * Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry module
 * (ERR_UNKNOWN_FILE_EXTENSION), so a two-line bootstrap registers tsx first, then imports it.
 */
export function workerSpec(
  name: string,
  moduleUrl: string,
): {
  filename: string | URL;
  options: WorkerOptions;
} {
  const ext = extname(fileURLToPath(moduleUrl));
  const url = new URL(`./${name}${ext}`, moduleUrl);
  if (ext !== '.ts') return { filename: url, options: {} };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return { filename: bootstrap, options: { eval: true } };
}
