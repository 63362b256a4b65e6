import type { TenantDirectory } from '../../core/types.js';
import type { DomainDirectory } from '../../tenants/ownership/sender-domains.js';
import { forwardingLocalPart, linkedMailbox, ownedByOthers } from '../../tenants/ownership/sender-guard.js';
import type { SenderSettingsReader } from '../../tenants/sender-settings-store.js';
import { chooseMode, type PipelineDeps } from '../shared.js';

/**
 * The domain a tenant's mail leaves from now, for advice given before any mail is rendered (the
 * content settings' and the preview's spam lint): the same choice the pipeline makes (shared.ts
 * chooseMode and senderIdentity), without a message. Forwarding mode, and own-address mode until
 * its domain is verified: the platform domain; own address: its domain; own SMTP server: its
 * mailbox's; Gmail: the own address (an alias) or the linked account. Undefined when the legacy
 * software's From stays (no platform domain, no mailbox): there is no one domain to name.
 */
export interface SendingDomainDeps {
  readonly platform: PipelineDeps['platform'];
  readonly tenants: Pick<TenantDirectory, 'byId'>;
  readonly settings: SenderSettingsReader;
  readonly domains: DomainDirectory;
  /** Gmail mode works on this server; absent or false: it falls back to forwarding. */
  readonly gmailAvailable?: boolean;
  /** The tenant's linked Gmail account, when there is one. */
  readonly gmailAccount?: (tenantId: string) => string | undefined;
}

export async function sendingDomainOf(deps: SendingDomainDeps, tenantId: string): Promise<string | undefined> {
  const tenant = await deps.tenants.byId(tenantId);
  const settings = deps.settings.get(tenantId);
  const local = forwardingLocalPart(settings, tenant?.smtpUsername);
  const own = settings.ownAddress;
  // The pipeline drops an own address on someone else's domain (withoutForeignAddresses).
  const ownAddress = own !== undefined && !ownedByOthers(deps, tenantId, local, own) ? own : undefined;
  const usable = ownAddress === undefined ? { ...settings, ownAddress: undefined } : settings;
  const { mode } = await chooseMode(usable, tenantId, deps.domains, deps.gmailAvailable === true);
  switch (mode) {
    case 'forwarding':
      return deps.platform.sendingDomain ?? undefined;
    case 'own-address':
      return domainOf(ownAddress);
    case 'own-smtp':
      return domainOf(linkedMailbox(deps, tenantId, local, usable));
    case 'gmail':
      return domainOf(ownAddress ?? deps.gmailAccount?.(tenantId));
  }
}

function domainOf(address: string | undefined): string | undefined {
  const at = address?.lastIndexOf('@') ?? -1;
  return address === undefined || at < 0 ? undefined : address.slice(at + 1).toLowerCase();
}
