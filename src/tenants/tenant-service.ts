import { randomBytes } from 'node:crypto';
import { isGatewayError } from '../core/gateway-error.js';
import type { Tenant } from '../core/types.js';
import type { TenantStore } from './lmdb-tenant-store.js';
import { generatePassword, hashPassword } from './password.js';
import { validateAllowedIps, validateSmtpUsername, validateTenantName } from './tenant-validation.js';

export interface AddTenantInput {
  readonly name: string;
  /** Generated from the name when left out. */
  readonly smtpUsername?: string;
  readonly allowedIps?: readonly string[];
  readonly allowPlaintextAuth?: boolean;
  readonly requireTls?: boolean;
}

export interface TenantChanges {
  readonly name?: string;
  readonly smtpUsername?: string;
  readonly allowedIps?: readonly string[];
  readonly allowPlaintextAuth?: boolean;
  readonly requireTls?: boolean;
}

/** A tenant and its password in clear: shown once, only its hash is stored. */
export interface TenantWithPassword {
  readonly tenant: Tenant;
  readonly password: string;
}

/** Generated user names collide only by chance (6 random characters); retry a few times. */
const GENERATED_NAME_ATTEMPTS = 5;

/** Validates, generates user name and password, stores the hash. Throws GatewayError. */
export async function addTenant(store: TenantStore, input: AddTenantInput): Promise<TenantWithPassword> {
  const name = validateTenantName(input.name);
  const allowedIps = validateAllowedIps(input.allowedIps ?? []);
  const chosen = input.smtpUsername === undefined ? undefined : validateSmtpUsername(input.smtpUsername);
  const password = generatePassword();
  const smtpPasswordHash = await hashPassword(password);
  const base = {
    name,
    smtpPasswordHash,
    allowedIps,
    allowPlaintextAuth: input.allowPlaintextAuth ?? false,
    ...(input.requireTls === true ? { requireTls: true } : {}),
  };
  if (chosen !== undefined) return { tenant: await store.create({ ...base, smtpUsername: chosen }), password };
  for (let attempt = 1; ; attempt++) {
    try {
      return { tenant: await store.create({ ...base, smtpUsername: generateUsername(name) }), password };
    } catch (err) {
      if (!isGatewayError(err, 'E_TENANT_EXISTS') || attempt >= GENERATED_NAME_ATTEMPTS) throw err;
    }
  }
}

/** A new password for the tenant; the old one stops working at once. */
export async function rotatePassword(store: TenantStore, id: string): Promise<TenantWithPassword> {
  const password = generatePassword();
  const tenant = await store.update(id, { smtpPasswordHash: await hashPassword(password) });
  return { tenant, password };
}

/**
 * Removes the tenant's SMTP password: every AUTH fails from the next login on (an empty hash
 * never verifies, and the credentials version bump drops cached logins). Rotate sets a new one.
 */
export async function revokePassword(store: TenantStore, id: string): Promise<Tenant> {
  return store.update(id, { smtpPasswordHash: '' });
}

/** Validated changes to name, user name, IP allow-list or plaintext-auth flag. */
export async function updateTenant(store: TenantStore, id: string, changes: TenantChanges): Promise<Tenant> {
  return store.update(id, {
    name: changes.name === undefined ? undefined : validateTenantName(changes.name),
    smtpUsername: changes.smtpUsername === undefined ? undefined : validateSmtpUsername(changes.smtpUsername),
    allowedIps: changes.allowedIps === undefined ? undefined : validateAllowedIps(changes.allowedIps),
    allowPlaintextAuth: changes.allowPlaintextAuth,
    requireTls: changes.requireTls,
  });
}

/** "Acme Facturatie B.V." → "acme-facturatie-b-v-k3x9qa": readable, and unique by its suffix. */
export function generateUsername(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${slug || 'tenant'}-${randomSuffix(6)}`;
}

function randomSuffix(length: number): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}
