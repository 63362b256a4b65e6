import { connect, type Socket } from 'node:net';
import type { Envelope, RecipientResult, Transport } from '../../src/core/types.js';
import { createDirectMxTransport, type DirectMxOptions, type MxResolver } from '../../src/transports/smtp/direct-mx.js';
import { createTargetGuard } from '../../src/transports/egress/target-guard.js';
import { silent } from './delivery-harness.js';
import type { Sink } from './sink.js';

/** Shared steps of the direct-MX tests that drive the transport itself, without the queue. */

const noData = (): Promise<never> => Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' }));

/** MX and address answers from tables; TXT answers from `txt`. */
export function tableResolver(
  mx: Record<string, string[]>,
  a: Record<string, string[]>,
  aaaa: Record<string, string[]> = {},
  txt: Record<string, string[][]> = {},
): MxResolver & { resolveTxt(name: string): Promise<string[][]> } {
  return {
    resolveMx: async (domain) => mx[domain]?.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) })) ?? noData(),
    resolve4: async (host) => a[host] ?? noData(),
    resolve6: async (host) => aaaa[host] ?? noData(),
    resolveTxt: async (name) => txt[name] ?? noData(),
  };
}

/** A direct transport to `port`, allowed to reach loopback; closed by `cleanups`. */
export function directTransport(
  resolver: MxResolver,
  port: number,
  cleanups: Array<() => Promise<void>>,
  extra: Partial<DirectMxOptions> = {},
): Transport {
  const t = createDirectMxTransport({
    port,
    resolver,
    heloName: 'postbode.test',
    logger: silent,
    connectTimeoutMs: 1_000,
    sendTimeoutMs: 3_000,
    guard: createTargetGuard({ allow: ['127.0.0.0/8', '::1/128'], resolver }),
    ...extra,
  });
  cleanups.push(() => t.close());
  return t;
}

/** Every connection goes to the local sink, whatever address the transport dials (IPv6 ones included). */
export function toSink(s: Sink, dialed: string[] = []): DirectMxOptions['dial'] {
  return (host: string, port: number): Socket => {
    dialed.push(`${host}:${port}`);
    return connect(s.port, '127.0.0.1');
  };
}

export async function sendTo(t: Transport, to: string, from = 'billing@sender.test'): Promise<RecipientResult> {
  const envelope: Envelope = { from, to: [to] };
  const raw = Buffer.from('Subject: Invoice 42\r\n\r\nPlease pay.\r\n');
  const result = await t.send(envelope, raw, { kind: 'direct', domain: to.slice(to.indexOf('@') + 1) });
  return result.recipients[0]!;
}
