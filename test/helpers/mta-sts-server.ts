import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TestCert } from './test-ca.js';

/**
 * A local HTTPS server standing in for `mta-sts.<domain>` web servers: it serves each host's
 * policy at /.well-known/mta-sts.txt (by the Host header), counts requests, and can be told to
 * stall a host (accept, never answer) to test the fetch's bound.
 */
export interface MtaStsServer {
  readonly port: number;
  /** Requests received, `host path` in arrival order. */
  readonly requests: string[];
  /** Sets the policy text of `host` (`mta-sts.dest.test`); undefined answers 404. */
  policy(host: string, text: string | undefined): void;
  /** The host's requests are read and never answered. */
  stall(host: string): void;
  close(): Promise<void>;
}

export async function startMtaStsServer(cert: TestCert): Promise<MtaStsServer> {
  const policies = new Map<string, string>();
  const stalled = new Set<string>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    requests.push(`${host} ${req.url}`);
    if (stalled.has(host)) return;
    const text = policies.get(host);
    if (req.url !== '/.well-known/mta-sts.txt' || text === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    policy: (host, text) => (text === undefined ? policies.delete(host) : policies.set(host, text)),
    stall: (host) => void stalled.add(host),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A policy file's text. */
export function stsPolicy(mode: 'enforce' | 'testing' | 'none', mx: readonly string[], maxAge = 86_400): string {
  return ['version: STSv1', `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${maxAge}`, ''].join('\r\n');
}
