import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';

/** One sample of a Prometheus text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function procStatusBytes(name: string): number {
  const kb = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
  return Number(kb) * 1024;
}

/** The gateway runs in this process: its /metrics must show this process's own memory. */
describe('memory in GET /metrics', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(1, { delivery: { mode: 'capture' } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('shows the JS heap, anonymous and file-backed resident memory, and the LMDB data files', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    const heapUsed = sample(text, 'postbode_memory_bytes{kind="heap_used"}');
    const heapTotal = sample(text, 'postbode_memory_bytes{kind="heap_total"}');
    expect(heapUsed).toBeGreaterThan(1024 * 1024);
    expect(heapTotal).toBeGreaterThanOrEqual(heapUsed ?? Infinity);
    expect(text).toContain('# TYPE postbode_memory_bytes gauge');

    const anon = sample(text, 'postbode_memory_bytes{kind="rss_anon"}');
    const file = sample(text, 'postbode_memory_bytes{kind="rss_file"}');
    if (existsSync('/proc/self/status')) {
      // Read a moment apart: the same order of magnitude, not the same byte.
      expect(anon).toBeGreaterThan(procStatusBytes('RssAnon') / 2);
      expect(anon).toBeLessThan(procStatusBytes('RssAnon') * 2);
      expect(file).toBeGreaterThan(0);
      expect(file).toBeLessThanOrEqual(procStatusBytes('RssFile') * 2);
    } else {
      expect(anon).toBeUndefined();
      expect(file).toBeUndefined();
    }

    // One environment for every store, and the body archive in its own.
    const storageFile = sample(text, 'postbode_lmdb_file_bytes{store="db"}');
    expect(storageFile).toBe(statSync(join(gw.dataDir, 'db', 'data.mdb')).size);
    expect(sample(text, 'postbode_lmdb_file_bytes{store="queue-archive"}')).toBeGreaterThan(0);
    // The dev mailbox keeps .eml files, no LMDB environment: no series for it.
    expect(text).not.toContain('store="mailbox"');
  });
});
