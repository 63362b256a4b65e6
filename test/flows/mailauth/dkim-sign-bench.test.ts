/**
 * Measures (prints, does not assert tightly) what RSA-2048 signing of a 100 KB message costs
 * inline and through the worker pool, and how much each blocks the event loop.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeyParser, generateDkimKey } from '../../../src/mailauth/keys.js';
import { createSignPool } from '../../../src/mailauth/sign-pool.js';
import { signMessage, type SigningKey } from '../../../src/mailauth/signer.js';

const COUNT = 500;
const SIGNED_AT = 1_795_000_000_000;
const IN_FLIGHT = 8;

let keys: SigningKey[];
let raw: Buffer;

beforeAll(async () => {
  const rsa = await generateDkimKey('rsa');
  keys = [{ domain: 'invoices.test', selector: 'pb202611', privateKeyPem: rsa.privateKeyPem, algorithm: 'rsa' }];
  const line = `${'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te'}\r\n`;
  const head = 'From: billing@invoices.test\r\nTo: c@example.net\r\nSubject: Invoice\r\nMIME-Version: 1.0\r\n\r\n';
  raw = Buffer.from(head + line.repeat(Math.ceil(100_000 / line.length)));
});

async function measure<T>(run: () => Promise<T>): Promise<{ result: T; ms: number; loopDelay: string }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise((resolve) => setImmediate(resolve)); // let the monitor see the last stretch
  delay.disable();
  const ms2 = (ns: number) => (ns / 1e6).toFixed(1);
  return {
    result,
    ms,
    loopDelay: `mean ${ms2(delay.mean)} ms, p99 ${ms2(delay.percentile(99))} ms, max ${ms2(delay.max)} ms`,
  };
}

/** Runs `count` jobs keeping at most `limit` in flight; results in order. */
async function signWithInFlightLimit(count: number, limit: number, job: () => Promise<Buffer>): Promise<Buffer[]> {
  const results: Buffer[] = new Array<Buffer>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) results[i] = await job();
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

describe('signing cost (RSA-2048, 100 KB message)', () => {
  it(`signs ${COUNT} messages inline and through a pool of 2 workers`, async () => {
    const parseKey = createKeyParser();
    const inline = await measure(async () => {
      const out: Buffer[] = [];
      for (let i = 0; i < COUNT; i++) {
        out.push(await signMessage(raw, keys, { signedAt: SIGNED_AT, parseKey }));
        // A server yields between messages; without this the loop would be blocked for all of them.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    });
    const pool = createSignPool({ size: 2, now: () => SIGNED_AT });
    await pool.sign(raw, keys); // start-up (tsx compiles the worker) is not part of the figure
    const pooled = await measure(() => signWithInFlightLimit(COUNT, IN_FLIGHT, () => pool.sign(raw, keys)));
    await pool.close();

    const line = (name: string, m: { ms: number; loopDelay: string }) =>
      `${name}: ${Math.round((m.ms * 1000) / COUNT)} µs/message (wall), ` +
      `${Math.round(COUNT / (m.ms / 1000))} messages/s, ` +
      `event loop delay ${m.loopDelay}`;
    console.log(
      [
        `DKIM signing, RSA-2048, ${raw.length} byte message, ${COUNT} signatures:`,
        line('inline        ', inline),
        line('pool, 2 workers', pooled),
        `(pool: at most ${IN_FLIGHT} messages in flight, as a delivery scheduler would keep.)`,
      ].join('\n'),
    );

    const expected = inline.result[0];
    expect(inline.result).toHaveLength(COUNT);
    expect(pooled.result).toHaveLength(COUNT);
    expect(expected !== undefined && pooled.result.every((s) => s.equals(expected))).toBe(true);
  });
});
