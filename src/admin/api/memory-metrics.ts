import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';

/**
 * Memory an operator can plan for: the JS heap, and the resident set split into anonymous
 * memory (heap, buffers, native allocations: should stay flat under constant load) and
 * file-backed memory (mostly LMDB's memory map of the message log: follows the log's size
 * and is given back by the kernel under pressure). Read when scraped, never in between.
 */
export function registerMemoryGauges(registers: Registry[], opts: { readonly dataDir?: string }): void {
  new Gauge({
    name: 'postbode_memory_bytes',
    help:
      'Memory by kind: heap_used and heap_total (V8), rss_anon and rss_file (Linux /proc/self/status RssAnon, ' +
      'RssFile; absent elsewhere)',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      this.reset();
      const { heapUsed, heapTotal } = process.memoryUsage();
      this.set({ kind: 'heap_used' }, heapUsed);
      this.set({ kind: 'heap_total' }, heapTotal);
      const resident = await residentSplit();
      if (resident) {
        this.set({ kind: 'rss_anon' }, resident.anon);
        this.set({ kind: 'rss_file' }, resident.file);
      }
    },
  });
  const { dataDir } = opts;
  if (dataDir === undefined) return;
  new Gauge({
    name: 'postbode_lmdb_file_bytes',
    help:
      "Size of each LMDB environment's data file under the data directory (its memory map can grow to this), by " +
      'store folder',
    labelNames: ['store'] as const,
    registers,
    async collect() {
      this.reset();
      for (const [store, bytes] of await lmdbFileSizes(dataDir)) this.set({ store }, bytes);
    },
  });
}

/** RssAnon and RssFile of this process in bytes; undefined where /proc is not there (macOS, Windows). */
export async function residentSplit(): Promise<{ anon: number; file: number } | undefined> {
  let status: string;
  try {
    status = await readFile('/proc/self/status', 'latin1');
  } catch {
    return undefined;
  }
  const anon = kibField(status, 'RssAnon');
  const file = kibField(status, 'RssFile');
  return anon === undefined || file === undefined ? undefined : { anon, file };
}

function kibField(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** `<dataDir>/<store>/data.mdb` sizes; a folder without one (mailbox) is left out. */
async function lmdbFileSizes(dataDir: string): Promise<Array<[string, number]>> {
  const entries = await readdir(dataDir, { withFileTypes: true }).catch(() => []);
  const sizes: Array<[string, number]> = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const info = await stat(join(dataDir, entry.name, 'data.mdb')).catch(() => undefined);
    if (info) sizes.push([entry.name, info.size]);
  }
  return sizes;
}
