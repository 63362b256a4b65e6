import { afterEach, beforeAll, expect } from 'vitest';
import type { TlsMaterial } from '../../src/receive/smtp/tls-material.js';
import { RawSmtp, type RawReply } from './raw-smtp.js';
import { startInbound, testTls, type Running, type StartOptions } from './inbound-harness.js';

type ClientOptions = { readonly tls?: boolean; readonly localAddress?: string };

/** One inbound test file's listeners and clients, each closed after the test that opened it. */
export interface InboundFixture {
  /** The file's certificate (made once, before the first test). */
  readonly tls: TlsMaterial;
  /** A submission listener with the file's certificate. */
  start(opts: Omit<StartOptions, 'tls'>): Promise<Running>;
  /** A raw client and its greeting, whatever it was. */
  connect(port: number, opts?: ClientOptions): Promise<{ client: RawSmtp; greeting: RawReply }>;
  /** A raw client whose greeting was 220. */
  open(port: number, opts?: ClientOptions): Promise<RawSmtp>;
}

/**
 * The set-up every inbound flow test file shares. Call it once at the top of the file: it registers
 * the hooks that make the certificate and, after each test, close its clients and stop its listeners.
 */
export function inboundFixture(): InboundFixture {
  let tls: TlsMaterial | undefined;
  const clients: RawSmtp[] = [];
  const listeners: Running[] = [];
  beforeAll(async () => {
    tls = await testTls();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const r of listeners.splice(0)) await r.stop();
  });
  const certificate = (): TlsMaterial => {
    if (tls === undefined) throw new Error('inboundFixture: the certificate is made in beforeAll');
    return tls;
  };
  const connect = async (port: number, opts: ClientOptions = {}) => {
    const opened = await RawSmtp.open(port, opts);
    clients.push(opened.client);
    return opened;
  };
  return {
    get tls() {
      return certificate();
    },
    async start(opts) {
      const running = await startInbound({ ...opts, tls: certificate() });
      listeners.push(running);
      return running;
    },
    connect,
    async open(port, opts = {}) {
      const { client, greeting } = await connect(port, opts);
      expect(greeting.code).toBe(220);
      return client;
    },
  };
}

/** EHLO, MAIL FROM a@office.example, RCPT TO each of `rcpts`, then DATA answered 354. */
export async function startData(c: RawSmtp, rcpts: readonly string[] = ['b@example.com']): Promise<void> {
  await c.expect('EHLO client.test', 250);
  await c.expect('MAIL FROM:<a@office.example>', 250);
  for (const r of rcpts) await c.expect(`RCPT TO:<${r}>`, 250);
  await c.expect('DATA', 354);
}
