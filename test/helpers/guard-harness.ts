import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { pino } from 'pino';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { newSelectors } from '../../src/tenants/domains/domain-keys.js';
import { openDomainStore } from '../../src/tenants/domains/domain-store.js';
import { openSecretBox } from '../../src/secrets/secret-box.js';
import { openSenderSettingsStore } from '../../src/tenants/sender-settings-store.js';
import { openTenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { smtpSettingsHash, type SenderSettings } from '../../src/tenants/sender-settings.js';
import { addTenant } from '../../src/tenants/tenant-service.js';
import { testConfig } from './gateway-harness.js';
import { RawSmtp, type RawReply } from './raw-smtp.js';
import { ADMIN, PLATFORM } from './sender-harness.js';
import { storageAt } from './temp-storage.js';

/**
 * Sender-guard set-up: one real gateway, tenants A and B (each with SMTP credentials and an
 * active sending domain with a real DKIM key) and C (IP allow-listed for 127.0.0.1, no login used, its own domain).
 * Domains and sender settings are written to the stores before the gateway starts, as the API
 * and the DNS check would have left them.
 */
export const DOMAIN_A = 'tenant-a.test';
export const DOMAIN_B = 'tenant-b.test';
export const DOMAIN_C = 'tenant-c.test';
/** A's IDN domain: stored as its A-label, as a verified domain always is. */
export const IDN_A = 'bäckerei-a.test';

export interface GuardTenant {
  readonly id: string;
  readonly user: string;
  readonly pass: string;
}

export interface GuardGateway {
  readonly gateway: Gateway;
  readonly a: GuardTenant;
  readonly b: GuardTenant;
  readonly c: GuardTenant;
  stop(): Promise<void>;
}

export interface GuardOptions {
  readonly platform: boolean;
  readonly requireVerifiedSender?: boolean;
  /** Sender settings per tenant key, stored before start. */
  readonly settings?: Partial<Record<'a' | 'b' | 'c', Partial<SenderSettings>>>;
  /** privacy.keepClientTrace: X-Postbode-Original-From may leave (default: never). */
  readonly keepClientTrace?: boolean;
}

const ENV = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'ab'.repeat(32) };

export async function startGuardGateway(sinkPort: number, opts: GuardOptions): Promise<GuardGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-guard-'));
  const config = testConfig(dataDir, sinkPort, {
    smtp: { tlsPort: 0, requireVerifiedSender: opts.requireVerifiedSender ?? true },
    ...(opts.platform ? { platform: PLATFORM } : {}),
    ...(opts.keepClientTrace ? { privacy: { keepClientTrace: true } } : {}),
  });
  const tenants = openTenantStore(storageAt(dataDir));
  const made = {
    a: await addTenant(tenants, { name: 'Tenant A BV' }),
    b: await addTenant(tenants, { name: 'Tenant B BV' }),
    c: await addTenant(tenants, { name: 'Tenant C BV', allowedIps: ['127.0.0.1'] }),
  };
  await tenants.close();
  const box = await openSecretBox({ dataDir, envKey: ENV.POSTBODE_SECRET_KEY, logger: pino({ level: 'silent' }) });
  const domains = openDomainStore(storageAt(dataDir));
  for (const [tenantId, domain] of [
    [made.a.tenant.id, DOMAIN_A],
    [made.a.tenant.id, domainToASCII(IDN_A)],
    [made.b.tenant.id, DOMAIN_B],
    [made.c.tenant.id, DOMAIN_C],
  ] as const) {
    // Keys only where mail is signed with them (own-address mode needs a platform domain); RSA key generation is slow.
    const selectors = opts.platform
      ? (await newSelectors(box, tenantId, domain, 'rsa', Date.now(), [])).map((s) => ({
          ...s,
          state: 'active' as const,
        }))
      : [];
    await domains.insert({
      domain,
      tenantId,
      keySet: 'rsa',
      selectors,
      status: 'active',
      createdAt: Date.now(),
      activatedAt: Date.now(),
    });
  }
  await domains.close();
  const settings = openSenderSettingsStore(storageAt(dataDir));
  for (const key of ['a', 'b', 'c'] as const) {
    const wanted = opts.settings?.[key];
    if (wanted) await settings.update(made[key].tenant.id, (current) => asActivated({ ...current, ...wanted }));
  }
  await settings.close();
  const gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, ENV);
  const view = (t: typeof made.a): GuardTenant => ({ id: t.tenant.id, user: t.tenant.smtpUsername, pass: t.password });
  return {
    gateway,
    a: view(made.a),
    b: view(made.b),
    c: view(made.c),
    async stop() {
      await gateway.stop(2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A session over implicit TLS, logged in as `tenant` (or not at all: then the IP allow-list decides). */
export async function session(gw: GuardGateway, tenant?: GuardTenant): Promise<RawSmtp> {
  const { client } = await RawSmtp.open(gw.gateway.tlsPort ?? 0, { tls: true });
  await client.expect('EHLO client.test', 250);
  if (tenant)
    await client.expect(`AUTH PLAIN ${Buffer.from(`\0${tenant.user}\0${tenant.pass}`).toString('base64')}`, 235);
  return client;
}

/** Writes one command as UTF-8 (RawSmtp.command writes latin1) and returns the reply. */
export async function utf8Command(client: RawSmtp, line: string): Promise<RawReply> {
  client.write(Buffer.from(`${line}\r\n`, 'utf8'));
  return client.reply();
}

/**
 * MAIL FROM, RCPT TO, DATA with `headers` and a short body; returns the reply to the final dot (or the first refusal).
 */
export async function transaction(
  client: RawSmtp,
  from: string,
  headers: readonly string[],
  to = 'jan@customer.test',
): Promise<RawReply> {
  const mail = await utf8Command(client, `MAIL FROM:<${from}>`);
  if (mail.code !== 250) return mail;
  await client.expect(`RCPT TO:<${to}>`, 250);
  await client.expect('DATA', 354);
  client.write(
    Buffer.from(
      `${[...headers, `To: <${to}>`, 'Subject: Factuur 2026-0042'].join('\r\n')}\r\n\r\nBeste Jan,\r\n.\r\n`,
      'utf8',
    ),
  );
  const reply = await client.reply();
  if (reply.code !== 250) await client.expect('RSET', 250);
  return reply;
}

/** Own-SMTP mode as the API leaves it: activated only after a passing test-send with these server settings. */
function asActivated(s: SenderSettings): SenderSettings {
  if (s.mode !== 'own-smtp' || !s.smtp || s.lastTestSend) return s;
  return { ...s, lastTestSend: { at: 0, ok: true, summary: 'sent', settingsHash: smtpSettingsHash(s.smtp) } };
}
