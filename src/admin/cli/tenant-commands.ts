import { withCliStores } from './cli-stores.js';
import { recordCliChange } from './token-commands.js';
import type { Config } from '../../config/schema.js';
import type { Tenant } from '../../core/types.js';
import type { TenantStore } from '../../tenants/lmdb-tenant-store.js';
import {
  addTenant,
  rotatePassword,
  type AddTenantInput,
  type TenantWithPassword,
} from '../../tenants/tenant-service.js';

/**
 * The tenant commands. They open the store the running gateway reads (cli-stores.ts): the node's
 * LMDB, or the shared PostgreSQL with `store.backend: postgres`.
 */
async function withTenantStore<T>(config: Config, action: (store: TenantStore) => Promise<T>): Promise<T> {
  return await withCliStores(config, (stores) => action(stores.tenants()));
}

export async function tenantAdd(config: Config, input: AddTenantInput): Promise<string> {
  const created = await withCliStores(config, async (stores) => {
    const made = await addTenant(stores.tenants(), input);
    // The forwarding local part, claimed now: a running gateway's MX finds it at once.
    await (await stores.senderSettings()).register([made.tenant]);
    return made;
  });
  const id = created.tenant.id;
  await recordCliChange(config, Date.now(), { route: 'tenant add', targetId: id, tenantId: id, fieldsChanged: [] });
  return ['Tenant created.', ...credentialLines(created), '', ...smtpSettingsLines(config, created.tenant)].join('\n');
}

export async function tenantRotatePassword(config: Config, id: string): Promise<string> {
  const rotated = await withTenantStore(config, (store) => rotatePassword(store, id));
  const change = { route: 'tenant rotate-password', targetId: id, tenantId: id, fieldsChanged: ['password'] };
  await recordCliChange(config, Date.now(), change);
  return ['Password replaced; the old one no longer works.', ...credentialLines(rotated)].join('\n');
}

/** Every tenant, oldest first, as aligned columns. */
export async function tenantList(config: Config): Promise<string> {
  const tenants = await withTenantStore(config, async (store) => {
    const all: Tenant[] = [];
    for (
      let page = await store.list({ limit: 100 });
      page.length > 0;
      page = await store.list({ limit: 100, after: page.at(-1)?.id })
    ) {
      all.push(...page);
    }
    return all;
  });
  if (tenants.length === 0) return 'No tenants yet. Create one with: postbode tenant add --name "Acme"';
  const rows = tenants.map((t) => [
    t.id,
    t.smtpUsername,
    t.name,
    t.allowedIps.join(',') || '-',
    t.allowPlaintextAuth ? 'yes' : 'no',
  ]);
  return columns([['ID', 'USERNAME', 'NAME', 'ALLOWED IPS', 'PLAINTEXT AUTH'], ...rows]);
}

function credentialLines({ tenant, password }: TenantWithPassword): string[] {
  return [
    `  id:        ${tenant.id}`,
    `  name:      ${tenant.name}`,
    `  username:  ${tenant.smtpUsername}`,
    `  password:  ${password}`,
    '  (the password is shown only this once: paste it into the software now)',
  ];
}

/** What to type into the legacy software's "send via SMTP" screen. */
function smtpSettingsLines(config: Config, tenant: Tenant): string[] {
  const lines = [
    'SMTP settings for the invoicing software:',
    `  server:    ${config.hostname}`,
    `  port:      ${config.smtp.port}`,
    '  security:  STARTTLS' +
      (plaintextLoginAllowed(config, tenant)
        ? ' (recommended; login without it is allowed for this tenant)'
        : ' (required before login)'),
  ];
  if (tenant.allowPlaintextAuth && !config.smtp.allowPlaintextAuth) {
    lines.push('  (--allow-plaintext-auth takes effect only when smtp.allowPlaintextAuth is true in the config)');
  }
  if (config.smtp.tlsPort !== null) lines.push(`  or port ${config.smtp.tlsPort} with SSL/TLS from the first byte`);
  lines.push('  login:     the username and password above');
  if (tenant.allowedIps.length > 0) {
    lines.push(
      `  from ${tenant.allowedIps.join(', ')} the software may also send without login` +
        (tenant.requireTls === true ? ' (over STARTTLS)' : ''),
    );
  }
  return lines;
}

/** The tenant flag counts only on a listener that offers AUTH before TLS at all. */
function plaintextLoginAllowed(config: Config, tenant: Tenant): boolean {
  return config.smtp.allowPlaintextAuth && tenant.allowPlaintextAuth && tenant.requireTls !== true;
}

function columns(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
