#!/usr/bin/env node
// The `postbode` command. Runs the build (dist/admin/cli/main.js) when there is one at least as new
// as every file under src/; otherwise the TypeScript source through tsx, so that in a checkout
// an old build never runs in place of the code you are looking at.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'admin', 'cli', 'main.js');
const srcDir = join(root, 'src');

function newestMtime(dir, depth = 0) {
  if (depth > 8) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(path, depth + 1) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

const buildIsCurrent = existsSync(built) && (!existsSync(srcDir) || statSync(built).mtimeMs >= newestMtime(srcDir));
if (buildIsCurrent) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(srcDir, 'admin', 'cli', 'main.ts')).href);
}
