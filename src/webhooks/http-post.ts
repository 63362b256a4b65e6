import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { AttemptResult } from './webhook-types.js';

export interface PostOptions {
  /** The egress guard's resolve: the addresses of the host that may be connected to (rejects when none). */
  readonly resolveHost: (host: string) => Promise<readonly string[]>;
  readonly timeoutMs: number;
  /** Aborts the POST when the gateway stops. */
  readonly signal?: AbortSignal;
  /** Trusted roots instead of Node's bundled ones (tests). */
  readonly ca?: readonly Buffer[];
}

/** A receiver's answer is read up to this much, then dropped: only its status counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST of a signed event. The connection goes to the address the egress guard allowed,
 * never to a second lookup (DNS rebinding); redirects are not followed; the whole exchange is
 * bounded by `timeoutMs`. Any 2xx is success; never throws.
 */
export async function postEvent(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  opts: PostOptions,
): Promise<AttemptResult> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  let addresses: readonly string[];
  try {
    addresses = await opts.resolveHost(host);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return send(target, addresses[0]!, body, headers, opts);
}

function send(
  target: URL,
  address: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  opts: PostOptions,
): Promise<AttemptResult> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const secure = target.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const name = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise<AttemptResult>((resolve) => {
    const req = request({
      host: address,
      port: target.port === '' ? (secure ? 443 : 80) : Number(target.port),
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: {
        ...headers,
        host: target.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Postbode-Webhooks/1',
      },
      signal,
      agent: false,
      ...(secure && isIP(name) === 0 ? { servername: name } : {}),
      ...(opts.ca?.length ? { ca: [...opts.ca] } : {}),
    });
    const fail = (err: Error): void => {
      const code = (err as { code?: string }).code;
      const why = deadline.aborted ? `timeout after ${opts.timeoutMs} ms` : (code ?? err.message);
      resolve({ ok: false, error: why });
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = (): void => {
        const ok = status >= 200 && status < 300;
        resolve(ok ? { ok, status } : { ok, status, error: `HTTP ${status}` });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', () => done());
    });
    req.end(body);
  });
}
