import { createTransport } from 'nodemailer';
import type { Sink } from './sink.js';
import { startTestGateway, type TestGateway } from './gateway-harness.js';
import { waitFor } from './wait-for.js';

/** Shared set-up of the sender-mode tests: a gateway with a platform sending domain and an admin token. */
export const ADMIN = 'sender-test-admin-token-0123456789abcdefghijklmnop';
export const PLATFORM = { sendingDomain: 'send.postbode.test', bounceDomain: 'bounce.postbode.test' };

export async function startSenderGateway(sinkPort: number, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  return startTestGateway(
    sinkPort,
    { platform: PLATFORM, ...extra },
    {},
    {
      POSTBODE_ADMIN_TOKEN: ADMIN,
      POSTBODE_SECRET_KEY: 'ab'.repeat(32),
    },
  );
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function api(gw: TestGateway, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A submission client (STARTTLS, AUTH) for the gateway's own test tenant. */
export function legacyClient(gw: TestGateway) {
  return submissionClient(gw, { user: gw.user, pass: gw.pass });
}

/** A submission client for a tenant made with POST /tenants, logged in with the SMTP login that answer carries. */
export function madeTenantClient(gw: TestGateway, made: ApiAnswer) {
  return submissionClient(gw, {
    user: (made.body.tenant as { smtpUsername: string }).smtpUsername,
    pass: (made.body.smtp as { password: string }).password,
  });
}

function submissionClient(gw: TestGateway, auth: { user: string; pass: string }) {
  return createTransport({
    host: '127.0.0.1',
    port: gw.gateway.smtpPort,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth,
  });
}

export function queueIdOf(response: string): string {
  return /queued as (\S+)/.exec(response)?.[1] ?? '';
}

/** Messages the sink got for one queue id (the Received: line names it), at least `count`. */
export function arrived(sink: Sink, id: string, count = 1) {
  return waitFor(
    () => {
      const got = sink.messages.filter((m) => m.raw.includes(`id ${id}`));
      return got.length >= count ? got : undefined;
    },
    15_000,
    `${count} message(s) for ${id}`,
  );
}

export function headerOf(raw: Buffer, name: string): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
  const unfolded = head.replace(/\r\n(?=[ \t])/g, '');
  return unfolded
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}
