import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decodeAnswer, encodeQuery, TYPE_TLSA, type WireAnswer } from './dns-wire.js';

/** One TLSA record (RFC 6698 2.1). */
export interface TlsaRecord {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  readonly data: Buffer;
}

export type TlsaLookup =
  /** No TLSA records, or an answer the resolver did not validate: DANE does not apply. */
  | { readonly kind: 'none' }
  | { readonly kind: 'records'; readonly records: readonly TlsaRecord[]; readonly ttl?: number }
  /** The lookup failed (SERVFAIL, timeout): the host cannot be used securely now (RFC 7672 2.1.1). */
  | { readonly kind: 'fail'; readonly detail: string };

export interface TlsaLookupOptions {
  /** host:port of the validating resolver the operator trusts (its AD bit is believed). */
  readonly server: string;
  readonly timeoutMs: number;
}

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;

function splitServer(server: string): { host: string; port: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(server);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  if (isIPv6(server)) return { host: server, port: 53 };
  const colon = server.lastIndexOf(':');
  return colon < 0
    ? { host: server, port: 53 }
    : { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
}

/** One UDP question to the trusted resolver, bounded by `timeoutMs`; only its own answer is read. */
function ask(name: string, opts: TlsaLookupOptions): Promise<WireAnswer> {
  const { host, port } = splitServer(opts.server);
  const { id, packet } = encodeQuery(name, TYPE_TLSA);
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<WireAnswer>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, answer?: WireAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg, from) => {
      if (from.port !== port || from.address !== host) return; // not from the trusted resolver
      try {
        const answer = decodeAnswer(msg);
        if (answer.id === id) done(undefined, answer); // other ids: stray or spoofed, keep waiting
      } catch (err) {
        done(err as Error);
      }
    });
    socket.send(packet, port, host, (err) => {
      if (err) done(err);
    });
  });
}

function toRecord(data: Buffer): TlsaRecord | undefined {
  if (data.length < 4) return undefined;
  return { usage: data[0]!, selector: data[1]!, matchingType: data[2]!, data: Buffer.from(data.subarray(3)) };
}

/**
 * TLSA records of `_25._tcp.<mx>` (RFC 7672 2.2), believed only with the AD bit of the
 * operator's validating resolver: an unvalidated answer could come from anyone on the path.
 */
export async function lookupTlsa(mxHost: string, opts: TlsaLookupOptions): Promise<TlsaLookup> {
  const name = `_25._tcp.${mxHost.replace(/\.$/, '')}`;
  let answer: WireAnswer;
  try {
    answer = await ask(name, opts);
  } catch (err) {
    return { kind: 'fail', detail: `TLSA lookup for ${name} failed: ${(err as Error).message}` };
  }
  if (answer.truncated) return { kind: 'fail', detail: `TLSA answer for ${name} truncated` };
  if (answer.rcode === RCODE_NXDOMAIN) return { kind: 'none' };
  if (answer.rcode !== RCODE_NOERROR) return { kind: 'fail', detail: `TLSA lookup for ${name}: rcode ${answer.rcode}` };
  if (!answer.authenticated) return { kind: 'none' };
  const tlsa = answer.answers.filter((r) => r.type === TYPE_TLSA);
  const records = tlsa.map((r) => toRecord(r.data)).filter((r): r is TlsaRecord => r !== undefined);
  const ttl = Math.min(...tlsa.map((r) => r.ttl));
  return records.length === 0 ? { kind: 'none' } : { kind: 'records', records, ttl };
}
