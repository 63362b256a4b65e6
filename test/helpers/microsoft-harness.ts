import type { TestGateway } from './gateway-harness.js';
import { fakeMicrosoftConfig, type FakeMailbox, type FakeMicrosoft } from './fake-microsoft.js';
import { ADMIN, startSenderGateway } from './sender-harness.js';

/** Shared set-up of the Microsoft 365 mode tests: a gateway whose Microsoft URLs all point at the fake. */
export async function startMicrosoftGateway(
  sinkPort: number,
  fake: FakeMicrosoft,
  microsoft365: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<TestGateway> {
  return startSenderGateway(sinkPort, { microsoft365: fakeMicrosoftConfig(fake, microsoft365), ...extra });
}

/** The callback as the browser opens it, with the cookie the start set (the browser binding). */
export function msCallback(gw: TestGateway, query: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(
    `http://127.0.0.1:${gw.gateway.httpPort}/oauth/microsoft/callback?${new URLSearchParams(query).toString()}`,
    cookie !== undefined ? { headers: { cookie } } : {},
  );
}

export interface StartedMsLink {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly consent: URLSearchParams;
  readonly consentUrl: string;
  readonly setCookie: string;
  readonly cookie: string;
}

/** POST …/microsoft365/link as the settings page's fetch does, keeping the cookie it sets. */
export async function startMsLink(
  gw: TestGateway,
  body: Record<string, unknown> = {},
  token = ADMIN,
  tenantId = gw.tenantId,
): Promise<StartedMsLink> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${tenantId}/microsoft365/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  const setCookie = res.headers.get('set-cookie') ?? '';
  const consentUrl = typeof json.consentUrl === 'string' ? json.consentUrl : '';
  const consent = consentUrl ? new URL(consentUrl).searchParams : new URLSearchParams();
  return { status: res.status, body: json, consent, consentUrl, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

/** The whole consent round trip: POST link, "Microsoft" gives a code for the consent, the callback. */
export async function linkMailbox(
  gw: TestGateway,
  fake: FakeMicrosoft,
  mailbox: FakeMailbox,
  body: Record<string, unknown> = {},
): Promise<Response> {
  const started = await startMsLink(gw, body);
  if (started.status !== 200) throw new Error(`link answered ${started.status}`);
  const code = fake.issueCode(mailbox, started.consent);
  return msCallback(gw, { code, state: started.consent.get('state') ?? '' }, started.cookie);
}
