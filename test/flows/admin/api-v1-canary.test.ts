import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { newQueueId } from '../../../src/core/ids.js';
import type { Logger } from '../../../src/core/logger.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { LOG_REDACT_PATHS } from '../../../src/secrets/log-redact.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { hashPassword } from '../../../src/tenants/password.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * Canary sweep: secrets planted as an SMTP password, as the admin token and as a tenant
 * token must appear in no HTTP response and no log line while every route is exercised,
 * except the one response that shows a newly created token.
 */
const CANARY = 'CANARY7f3a9c1e5b2d4680';
const SMTP_PASSWORD = `${CANARY}-smtp-password`;
const ADMIN_TOKEN = `${CANARY}-admin-token-0123456789abcdef`;
const SEALED_PLAINTEXT = `${CANARY}-dkim-private-key`;
const SECRET_KEY = randomBytes(32).toString('hex');

let dir: string;
let gateway: Gateway;
let tenantId: string;
let logger: Logger;
const logLines: string[] = [];
const responses: Array<{ route: string; text: string }> = [];
/** Each answer to a documented operation, to check that its status is documented for it. */
const answers: Array<{ operation: string; status: number; documented: readonly string[] }> = [];

/**
 * One request; a 429 (the sweeps go past a token's burst of 60) asks again after its Retry-After (1 s), at most 3
 * times.
 */
async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  let attempt = 0;
  return waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      responses.push({ route: `${method} ${path}`, text });
      return res.status !== 429 || attempt++ >= 3 ? { status: res.status, text } : undefined;
    },
    20_000,
    `${method} ${path} past the rate limit`,
    1_000,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-canary-'));
  // A listener marked plaintext-allowed (the tenant's own flag then decides about AUTH in the clear), and a
  // plain relay (no platform domain, any From): what these tests check is not sender ownership.
  const config = testConfig(dir, 1, {
    delivery: { mode: 'capture' },
    smtp: { allowPlaintextAuth: true, requireVerifiedSender: false },
  });
  const store = openTenantStore(storageAt(dir));
  tenantId = (
    await store.create({
      name: 'Canary BV',
      smtpUsername: 'canary',
      smtpPasswordHash: await hashPassword(SMTP_PASSWORD),
      allowedIps: [],
      allowPlaintextAuth: true,
    })
  ).id;
  await store.close();
  // As main.ts builds it, at the most talkative level.
  logger = pino(
    { level: 'trace', redact: LOG_REDACT_PATHS },
    {
      write: (line: string) => {
        logLines.push(line);
      },
    },
  );
  gateway = await startGateway(config, logger, systemClock, {
    POSTBODE_ADMIN_TOKEN: ADMIN_TOKEN,
    POSTBODE_SECRET_KEY: SECRET_KEY,
  });
});

afterAll(async () => {
  await gateway?.stop(2000);
  await rm(dir, { recursive: true, force: true });
});

/** Every documented route, with ids filled in from the objects made so far; deletes last. */
async function exerciseEveryRoute(token: string, ids: Record<string, string>): Promise<number> {
  const doc = JSON.parse((await call('GET', '/api/v1/openapi.json', undefined)).text) as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([m, op]) => ({
      method: m.toUpperCase(),
      path,
      documented: Object.keys(op.responses),
    })),
  );
  ops.sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
  for (const { method, path, documented } of ops) {
    const filled = path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? ids.id ?? '');
    const body = method === 'POST' ? {} : method === 'PATCH' ? { name: 'Canary BV' } : undefined;
    const { status } = await call(
      method,
      `/api/v1${filled}${method === 'DELETE' && filled.endsWith(tenantId) ? '?force=true' : ''}`,
      token,
      body,
    );
    answers.push({ operation: `${method} ${path}`, status, documented });
  }
  return ops.length;
}

describe('canary secrets', () => {
  it('appear in no response and no log line, across SMTP logins and every route', async () => {
    const logins: number[] = [];
    for (const pass of [SMTP_PASSWORD, `${SMTP_PASSWORD}-wrong`]) {
      const { client } = await RawSmtp.open(gateway.smtpPort);
      await client.expect('EHLO canary.test', 250);
      logins.push((await client.command(`AUTH PLAIN ${Buffer.from(`\0canary\0${pass}`).toString('base64')}`)).code);
      client.close();
    }
    expect(logins).toEqual([235, 535]);
    const created = await call('POST', `/api/v1/tenants/${tenantId}/tokens`, ADMIN_TOKEN, {});
    const tenantToken = (JSON.parse(created.text) as { token: string; id: string }).token;
    const tokenId = (JSON.parse(created.text) as { id: string }).id;
    for (const path of ['/healthz', '/metrics', '/dev/mailbox', '/api/v1/docs']) await call('GET', path, undefined);

    const messageId = newQueueId();
    const count = await exerciseEveryRoute(tenantToken, { id: tenantId, tokenId: 'X'.repeat(26) });
    await exerciseEveryRoute(ADMIN_TOKEN, { id: messageId, tokenId });
    await exerciseEveryRoute(ADMIN_TOKEN, { id: tenantId, tokenId });
    expect(count).toBeGreaterThanOrEqual(20);
    expect(responses.length).toBeGreaterThan(3 * count);
    expect(logLines.some((l) => l.includes('api request'))).toBe(true);

    // A sealed secret (as the sender-mode and DKIM settings will store them), and the usual
    // ways code logs credentials: redacted by LOG_REDACT_PATHS.
    const box = createSecretBox(Buffer.from(SECRET_KEY, 'hex'));
    const sealed = box.seal(SEALED_PLAINTEXT, `tenant:${tenantId}:dkim-private-key`);
    logger.info(
      { sealed, password: SMTP_PASSWORD, req: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } } },
      'careless log line',
    );
    logger.info({ tenant: { token: tenantToken, secret: SEALED_PLAINTEXT } }, 'careless nested log line');
    expect(logLines.filter((l) => l.includes('careless'))).toHaveLength(2);
    const fingerprint = await call('GET', '/api/v1/system/secret-key', ADMIN_TOKEN);
    expect(JSON.parse(fingerprint.text)).toEqual({ keyFingerprint: box.keyFingerprint() });

    const secrets = [
      CANARY,
      SECRET_KEY,
      sealed,
      Buffer.from(`\0canary\0${SMTP_PASSWORD}`).toString('base64'),
      tenantToken.slice('pb_'.length + 27),
    ];
    for (const secret of secrets) {
      const leaking = responses.filter(
        (r) => r.text.includes(secret) && r !== responses.find((x) => x.text === created.text),
      );
      expect(leaking.map((r) => r.route)).toEqual([]);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
    expect(responses.filter((r) => r.text.includes(tenantToken))).toHaveLength(1);
  });

  it('answered every operation only with a status its OpenAPI entry documents', () => {
    expect(answers.length).toBeGreaterThan(60);
    const undocumented = answers
      .filter((a) => !a.documented.includes(String(a.status)))
      .map((a) => `${a.operation} answered ${a.status}`);
    expect([...new Set(undocumented)]).toEqual([]);
  });
});
