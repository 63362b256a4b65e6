import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { openTenantStore, type TenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { verifyPassword } from '../../src/tenants/password.js';
import { addTenant, generateUsername, rotatePassword, updateTenant } from '../../src/tenants/tenant-service.js';
import { storageAt } from '../helpers/temp-storage.js';

let dir: string;
let store: TenantStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-tenant-service-'));
  store = openTenantStore(storageAt(dir));
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function configError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGatewayError(err, 'E_INVALID')).toBe(true);
  return (err as Error).message;
}

describe('addTenant', () => {
  it('generates a user name from the name and a password whose hash is stored', async () => {
    const { tenant, password } = await addTenant(store, { name: '  Café Ünïcode & Zonen B.V. ' });
    expect(tenant.name).toBe('Café Ünïcode & Zonen B.V.');
    expect(tenant.smtpUsername).toMatch(/^cafe-unicode-zonen-b-v-[a-z2-9]{6}$/);
    expect(password).toHaveLength(24);
    expect(tenant.smtpPasswordHash).not.toContain(password);
    const stored = await store.bySmtpUsername(tenant.smtpUsername);
    expect(await verifyPassword(password, stored?.smtpPasswordHash ?? '')).toBe(true);
    expect(await verifyPassword(`${password}x`, stored?.smtpPasswordHash ?? '')).toBe(false);
    expect(tenant).toMatchObject({ allowedIps: [], allowPlaintextAuth: false });
  });

  it('takes a chosen user name, IP allow-list and plaintext flag', async () => {
    const { tenant } = await addTenant(store, {
      name: 'Acme',
      smtpUsername: 'facturen@acme.test',
      allowedIps: [' 10.0.0.0/24', '2001:db8::/48', '10.0.0.0/24'],
      allowPlaintextAuth: true,
    });
    expect(tenant).toMatchObject({
      smtpUsername: 'facturen@acme.test',
      allowedIps: ['10.0.0.0/24', '2001:db8::/48'],
      allowPlaintextAuth: true,
    });
    expect((await store.byAllowedIp('10.0.0.9'))?.id).toBe(tenant.id);
  });

  it('refuses a taken user name', async () => {
    await addTenant(store, { name: 'A', smtpUsername: 'shared' });
    const err = await addTenant(store, { name: 'B', smtpUsername: 'Shared' }).catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_TENANT_EXISTS')).toBe(true);
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['x'.repeat(201), 'too long'],
    ['Acme\r\nBcc: victim@example.test', 'line breaks'],
    ['Acme\nX', 'line breaks'],
    ['Acme\n', 'line breaks'],
    ['\tAcme', 'line breaks'],
    ['Acme\u0000', 'line breaks'],
    ['Acme\u0085', 'line breaks'],
    ['Acme\u2028', 'line breaks'],
    ['Acme\u2029', 'line breaks'],
  ])('refuses the name %j', async (name, why) => {
    expect(await configError(addTenant(store, { name }))).toContain(why);
    expect(await store.list({ limit: 10 })).toEqual([]);
  });

  it('accepts a name of exactly 200 characters', async () => {
    expect((await addTenant(store, { name: 'é'.repeat(200) })).tenant.name).toHaveLength(200);
  });

  it.each(['10.0.0.0/33', 'acme.test', '10.0.0.256', '2001:db8::/129', ''])(
    'refuses the allowed IP %j',
    async (entry) => {
      expect(await configError(addTenant(store, { name: 'Acme', allowedIps: [entry] }))).toContain(
        'not an IP address or CIDR range',
      );
    },
  );

  it.each(['', 'has space', '-leading', 'a\r\nb', 'x'.repeat(65)])('refuses the user name %j', async (smtpUsername) => {
    expect(await configError(addTenant(store, { name: 'Acme', smtpUsername }))).toContain('SMTP user name');
  });
});

describe('rotatePassword', () => {
  it('replaces the password: the old one fails, the new one works, credentialsVersion goes up', async () => {
    const { tenant, password } = await addTenant(store, { name: 'Acme' });
    const rotated = await rotatePassword(store, tenant.id);
    expect(rotated.password).not.toBe(password);
    const stored = await store.byId(tenant.id);
    expect(stored?.credentialsVersion).toBe(tenant.credentialsVersion + 1);
    expect(await verifyPassword(password, stored?.smtpPasswordHash ?? '')).toBe(false);
    expect(await verifyPassword(rotated.password, stored?.smtpPasswordHash ?? '')).toBe(true);
  });

  it('fails for an unknown tenant', async () => {
    const err = await rotatePassword(store, 'nope').catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_TENANT_UNKNOWN')).toBe(true);
  });
});

describe('updateTenant', () => {
  it('validates changes before storing them', async () => {
    const { tenant } = await addTenant(store, { name: 'Acme' });
    expect(await configError(updateTenant(store, tenant.id, { name: 'x\ny' }))).toContain('line breaks');
    expect(await configError(updateTenant(store, tenant.id, { allowedIps: ['nope'] }))).toContain('CIDR');
    const updated = await updateTenant(store, tenant.id, { name: ' Acme BV ', allowedIps: ['10.9.0.0/16'] });
    expect(updated).toMatchObject({ name: 'Acme BV', allowedIps: ['10.9.0.0/16'], smtpUsername: tenant.smtpUsername });
  });
});

describe('generateUsername', () => {
  it('falls back to "tenant" when the name has no letters or digits, and is random', () => {
    expect(generateUsername('!!!')).toMatch(/^tenant-[a-z2-9]{6}$/);
    expect(generateUsername('Acme')).not.toBe(generateUsername('Acme'));
    expect(generateUsername('a'.repeat(100)).length).toBeLessThanOrEqual(47);
  });
});
