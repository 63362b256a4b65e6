import http from 'node:http';
import https from 'node:https';
import type { TestGateway } from './gateway-harness.js';
import { fakeGoogleConfig, type FakeAccount, type FakeGoogle } from './fake-google.js';
import { ADMIN, api, legacyClient, queueIdOf, startSenderGateway } from './sender-harness.js';
import { waitFor } from './wait-for.js';

/** Shared set-up of the Gmail mode tests: a gateway whose Google URLs all point at the fake. */
export async function startGmailGateway(
  sinkPort: number,
  fake: FakeGoogle,
  gmail: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<TestGateway> {
  return startSenderGateway(sinkPort, { gmail: fakeGoogleConfig(fake, gmail), ...extra });
}

/** The callback as the browser opens it; `cookie` is what startLink's response set (the browser binding). */
export function callback(gw: TestGateway, query: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(
    `http://127.0.0.1:${gw.gateway.httpPort}/oauth/google/callback?${new URLSearchParams(query).toString()}`,
    {
      ...(cookie !== undefined ? { headers: { cookie } } : {}),
    },
  );
}

export interface StartedLink {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly consent: URLSearchParams;
  /** The Set-Cookie header of the start, and the Cookie header a browser would send back. */
  readonly setCookie: string;
  readonly cookie: string;
}

/** POST …/gmail/link as the settings page's fetch does (admin token), keeping the cookie it sets. */
export async function startLink(
  gw: TestGateway,
  body: Record<string, unknown> = {},
  token = ADMIN,
): Promise<StartedLink> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/gmail/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  const setCookie = res.headers.get('set-cookie') ?? '';
  const consent = typeof json.consentUrl === 'string' ? new URL(json.consentUrl).searchParams : new URLSearchParams();
  return { status: res.status, body: json, consent, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

/** The whole consent round trip as the browser would do it: POST link, "Google" gives a code, the callback. */
export async function linkAccount(
  gw: TestGateway,
  fake: FakeGoogle,
  account: FakeAccount,
  body: Record<string, unknown> = {},
): Promise<Response> {
  const started = await startLink(gw, body);
  if (started.status !== 200) throw new Error(`link answered ${started.status}`);
  const { consent } = started;
  return callback(
    gw,
    {
      code: fake.issueCode(account, consent.get('code_challenge') ?? undefined, consent.get('scope') ?? undefined),
      state: consent.get('state') ?? '',
    },
    started.cookie,
  );
}

export async function sendLegacy(
  gw: TestGateway,
  mail: { to: string; subject: string; text?: string; from?: string; bcc?: string },
): Promise<string> {
  const client = legacyClient(gw);
  try {
    const info = await client.sendMail({
      from: mail.from ?? 'noreply@boekhoud.example',
      to: mail.to,
      subject: mail.subject,
      text: mail.text ?? 'Invoice attached.',
      ...(mail.bcc ? { bcc: mail.bcc } : {}),
    });
    return queueIdOf(info.response);
  } finally {
    client.close();
  }
}

export interface RecipientView {
  readonly address: string;
  readonly status: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastReply?: string;
  readonly history: Array<{ outcome: string; reply: string }>;
}

/** Polls that read recipients through the API stay under its per-token rate limit (20/s). */
export const API_POLL_MS = 60;

/** The message's recipients; empty while rate-limited. */
export async function recipients(gw: TestGateway, id: string): Promise<RecipientView[]> {
  const answer = await api(gw, 'GET', `/messages/${id}`);
  if (answer.status === 429) return [];
  if (answer.status !== 200) throw new Error(`GET /messages/${id} answered ${answer.status}`);
  return (answer.body.message as { recipients: RecipientView[] }).recipients;
}

/** Waits until every recipient of `id` has at least `attempts` attempts. */
export function attempted(gw: TestGateway, id: string, attempts = 1): Promise<RecipientView[]> {
  return waitFor(
    async () => {
      const rs = await recipients(gw, id);
      return rs.length > 0 && rs.every((r) => r.attempts >= attempts) ? rs : undefined;
    },
    15_000,
    `${attempts} attempt(s) of ${id}`,
    API_POLL_MS,
  );
}

/**
 * Records the host of every request made through node:http / node:https (node-fetch inside
 * Google's gaxios uses them) until `restore`, so a test can assert nothing left the machine.
 */
export function recordOutgoingHosts(): { readonly hosts: string[]; restore(): void } {
  const hosts: string[] = [];
  const originals = { http: http.request, https: https.request };
  const record = <F extends (...args: never[]) => unknown>(fn: F): F =>
    ((...args: Parameters<F>) => {
      const [target] = args as unknown[];
      const options = target as { hostname?: unknown; host?: unknown };
      hosts.push(
        typeof target === 'string'
          ? new URL(target).hostname
          : target instanceof URL
            ? target.hostname
            : String(options.hostname ?? options.host),
      );
      return fn(...args);
    }) as F;
  http.request = record(originals.http);
  https.request = record(originals.https);
  return {
    hosts,
    restore() {
      http.request = originals.http;
      https.request = originals.https;
    },
  };
}
