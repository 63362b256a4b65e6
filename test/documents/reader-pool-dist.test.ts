/**
 * The reader pool as it runs in production: compiled to .js by tsc, started by plain node (no tsx),
 * loading `reader-worker.js` next to it. Compiles src/documents into a temp folder.
 */
import { execFile } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToDist } from '../helpers/compile-dist.js';
import { invoicePdf } from '../helpers/pdf-fixtures.js';

const run = promisify(execFile);

let dir: string;

beforeAll(async () => {
  dir = await compileToDist(
    'postbode-reader-dist-',
    ['src/documents/reader-pool.ts', 'src/documents/reader-worker.ts'],
    90_000,
  );
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const CHILD = `
import { readFileSync } from 'node:fs';
import { createReaderPool } from './dist/documents/reader-pool.js';
const pool = createReaderPool({ size: 1, timeoutMs: 60000 });
const reading = await pool.read(readFileSync('invoice.pdf'), { filename: 'invoice.pdf' });
await pool.close();
process.stdout.write(JSON.stringify(reading));
`;

describe('reader pool compiled to dist/', () => {
  it('starts reader-worker.js under plain node and reads a PDF', { timeout: 90_000 }, async () => {
    expect(await readdir(join(dir, 'dist/documents'))).toEqual(
      expect.arrayContaining(['reader-pool.js', 'reader-worker.js', 'read-attachment.js']),
    );
    await writeFile(join(dir, 'invoice.pdf'), await invoicePdf('de'));
    // A file, not `-e`: workers inherit execArgv, and --input-type is refused in a worker.
    await writeFile(join(dir, 'child.mjs'), CHILD);
    const { stdout } = await run(process.execPath, [join(dir, 'child.mjs')], {
      cwd: dir,
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    const reading = JSON.parse(stdout) as { format: string; facts: { number?: { value: string } } };
    expect(reading.format).toBe('pdf-text');
    expect(reading.facts.number?.value).toBe('R-2026-0042');
  });
});
