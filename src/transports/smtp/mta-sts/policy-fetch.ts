import { request } from 'node:https';
import { GatewayError } from '../../../core/gateway-error.js';
import { MAX_POLICY_BYTES } from './policy-text.js';

/** How the policy file is fetched; every outbound part is injectable so that tests stay on 127.0.0.1. */
export interface PolicyFetchOptions {
  /** The egress guard's resolve: the addresses of the policy host that may be connected to (rejects when none). */
  readonly resolveHost: (host: string) => Promise<readonly string[]>;
  /** Bound on the whole fetch: connect, TLS, headers and body. */
  readonly timeoutMs: number;
  /** Trusted roots instead of Node's bundled ones (tests: a test CA). */
  readonly ca?: readonly Buffer[];
  /** 443; tests point it at a local HTTPS server. */
  readonly port?: number;
}

/** Why a fetch failed, in TLS-RPT's result types (RFC 8460 4.3.2.2). */
export type FetchFailure = 'sts-policy-fetch-error' | 'sts-webpki-invalid';

export class PolicyFetchError extends GatewayError {
  constructor(
    readonly resultType: FetchFailure,
    message: string,
  ) {
    super('E_TLS_POLICY', message);
  }
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|EXPIRED/;

/**
 * GET https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 3.3): a valid certificate for
 * that name, status 200 only (redirects are not followed), text/plain, at most 64 KiB. The
 * connection goes to the address the egress guard allowed, never to a second lookup.
 */
export async function fetchPolicyText(domain: string, opts: PolicyFetchOptions): Promise<string> {
  const host = `mta-sts.${domain}`;
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  let addresses: readonly string[];
  try {
    addresses = await opts.resolveHost(host);
  } catch (err) {
    throw new PolicyFetchError('sts-policy-fetch-error', `${host}: ${(err as Error).message}`);
  }
  return new Promise<string>((resolve, reject) => {
    const req = request({
      host: addresses[0],
      servername: host,
      port: opts.port ?? 443,
      path: '/.well-known/mta-sts.txt',
      headers: { host, accept: 'text/plain' },
      signal: deadline,
      rejectUnauthorized: true,
      ...(opts.ca?.length ? { ca: [...opts.ca] } : {}),
      agent: false,
    });
    const fail = (err: Error): void => {
      const code = (err as { code?: string }).code ?? '';
      const type: FetchFailure = CERT_CODES.test(code) ? 'sts-webpki-invalid' : 'sts-policy-fetch-error';
      const why = deadline.aborted ? `no policy within ${opts.timeoutMs} ms` : err.message;
      reject(new PolicyFetchError(type, `${host}: ${why}`));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode !== 200 || !type.toLowerCase().startsWith('text/plain')) {
        res.destroy();
        return fail(new Error(`answered ${res.statusCode} ${type}`.trim()));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_POLICY_BYTES) res.destroy(new Error(`policy larger than ${MAX_POLICY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.end();
  });
}
