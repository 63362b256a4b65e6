import { createTransport } from 'nodemailer';
import type { TestGateway } from '../../helpers/gateway-harness.js';

export const ADMIN = 'webhook-test-admin-token-0123456789abcdefghijkl';
export const ALL_EVENTS = [
  'message.accepted',
  'message.delivered',
  'message.deferred',
  'message.bounced',
  'message.held',
  'message.released',
  'message.cancelled',
];

/** Test-speed webhook settings: http allowed (receivers on 127.0.0.1), quick polls and retries. */
export const FAST_WEBHOOKS = {
  allowHttp: true,
  pollMs: 50,
  timeoutMs: 800,
  initialDelayMs: 150,
  maxDelayMs: 600,
  retryForMs: 60_000,
};

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  token?: string,
) => Promise<{ status: number; body: any }>;

export function apiOf(gw: () => TestGateway): Call {
  return async (method, path, body, token = ADMIN) => {
    const res = await fetch(`http://127.0.0.1:${gw().gateway.httpPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : JSON.parse(text) };
  };
}

/** Sends one message as the gateway's tenant; resolves with its queue id. */
export async function sendMail(gw: TestGateway, to: string, subject = 'Factuur 2026-017'): Promise<string> {
  const client = createTransport({
    host: '127.0.0.1',
    port: gw.gateway.smtpPort,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: gw.user, pass: gw.pass },
  });
  try {
    const info = await client.sendMail({ from: 'billing@acme.test', to, subject, text: 'Your invoice.\n' });
    const id = /queued as (\S+)/.exec(info.response)?.[1];
    if (!id) throw new Error(`no queue id in ${info.response}`);
    return id;
  } finally {
    client.close();
  }
}
