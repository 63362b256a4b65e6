import type { SenderApiDeps } from '../admin/api/v1/sender-routes.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { newQueueId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { QueuedMessage, Tenant } from '../core/types.js';
import { queueAccountantCopy, type AccountantDeps } from '../pipeline/copies/sender-accountant.js';
import { testInvoiceFor } from '../pipeline/content/test-invoice.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { DomainDirectory } from '../tenants/ownership/sender-domains.js';
import { ownedByOthers } from '../tenants/ownership/sender-guard.js';
import type { SenderSettingsStore } from '../tenants/sender-settings-store.js';
import { smtpPasswordContext, type SenderSettings } from '../tenants/sender-settings.js';
import { tenantTargetPolicy } from '../tenants/tenant-target-policy.js';
import { configuredTargetGuard } from '../transports/egress/target-guard.js';
import { configuredTenantHops, type TenantHopConfig } from '../transports/smtp/tenant-hop.js';
import { testSend, testSendWithToken } from '../transports/smtp/tenant-smtp-test.js';
import type { AccessTokenSource } from '../core/access-token.js';
import { notOffered } from '../tenants/oauth/access-tokens.js';

/**
 * The sender routes' side effects: sealing, test-send through a fresh transport, manual accountant copies.
 * `accountant.content` also gives the test invoice the tenant's language and layout.
 */
export function senderApi(
  config: Config,
  logger: Logger,
  clock: Clock,
  store: SenderSettingsStore,
  secrets: SecretBox,
  accountant: AccountantDeps,
  domains: DomainDirectory,
  accessTokens?: AccessTokenSource,
): SenderApiDeps {
  const guard = configuredTargetGuard(config);
  const create = configuredTenantHops(config, logger, guard);
  return {
    store,
    ownedByOthers: (tenantId, localPart, address) =>
      ownedByOthers({ domains, platform: config.platform }, tenantId, localPart, address),
    targets: tenantTargetPolicy(guard, config.delivery.allowedTenantPorts),
    testSendLimit: { perWindow: config.delivery.testSendsPerWindow, windowMs: config.delivery.testSendWindowMs },
    seal: (plaintext, context) => secrets.seal(plaintext, context),
    testSend: async (tenant: Tenant, settings: SenderSettings, to: string) => {
      const smtp = settings.smtp;
      if (!smtp) throw new Error('no own SMTP server settings');
      const pass =
        smtp.passwordSealed === undefined || smtp.oauth2 !== undefined
          ? undefined
          : secrets.open(smtp.passwordSealed, smtpPasswordContext(tenant.id));
      const hop: TenantHopConfig = {
        host: smtp.host,
        port: smtp.port,
        tls: smtp.tls,
        rejectUnauthorized: smtp.rejectUnauthorized,
        maxConnections: 1,
        ...(smtp.user !== undefined ? { user: smtp.user, pass: pass ?? '' } : {}),
        ...(smtp.allowPlaintextAuth === true ? { allowPlaintextAuth: true } : {}),
      };
      const from = settings.ownAddress ?? (smtp.user?.includes('@') ? smtp.user : to);
      const message = await testInvoiceFor(accountant.content, {
        tenant,
        displayName: settings.displayName,
        from,
        to,
        hostname: config.hostname,
        now: clock(),
      });
      if (!smtp.oauth2) return testSend({ hop, from, to, message }, create);
      const tokens = accessTokens ?? (async () => notOffered(smtp.oauth2?.provider ?? 'google'));
      return testSendWithToken(
        { hop, from, to, message },
        { tokens, owner: tenant.id, provider: smtp.oauth2.provider },
        create,
      );
    },
    sendToAccountant: async (message: QueuedMessage, body: Buffer, address: string) => {
      const copy = await queueAccountantCopy(accountant, message, body, address, { id: newQueueId(clock()) });
      if (!copy) throw new Error('accountant copy was not queued');
      return copy;
    },
  };
}
