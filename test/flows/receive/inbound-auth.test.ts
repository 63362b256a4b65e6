import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/tenants/password.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { FakeTenants, makeTenant } from '../../helpers/inbound-harness.js';
import { inboundFixture } from '../../helpers/inbound-fixture.js';

const inbound = inboundFixture();

const PASSWORD = 'correct horse battery staple';
let tenants: FakeTenants;

beforeAll(async () => {
  const hash = await hashPassword(PASSWORD);
  tenants = new FakeTenants([
    makeTenant({ id: 'acme', smtpUsername: 'acme', smtpPasswordHash: hash }),
    makeTenant({ id: 'legacy', smtpUsername: 'legacy', smtpPasswordHash: hash, allowPlaintextAuth: true }),
  ]);
});

function transport(port: number, user: string, pass: string, method: 'PLAIN' | 'LOGIN', tlsMode: 'starttls' | 'none') {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    authMethod: method,
    auth: { user, pass },
    ...(tlsMode === 'starttls' ? { requireTLS: true } : { ignoreTLS: true }),
    tls: { rejectUnauthorized: false },
  });
}

const mail = { from: 'billing@acme.example', to: 'customer@example.com', subject: 'Invoice 42', text: 'Please pay.' };

/** Base64 AUTH PLAIN token. */
function plain(user: string, pass: string): string {
  return Buffer.from(`\0${user}\0${pass}`).toString('base64');
}

describe('SMTP AUTH', () => {
  it.each(['PLAIN', 'LOGIN'] as const)('accepts AUTH %s over STARTTLS and queues for the tenant', async (method) => {
    const running = await inbound.start({ tenants });
    const info = await transport(running.port, 'acme', PASSWORD, method, 'starttls').sendMail(mail);
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]{26}$/);
    expect(running.queued).toHaveLength(1);
    expect(running.queued[0]?.tenantId).toBe('acme');
    expect(running.queue.body(running.queued[0]!.id)!.toString()).toContain('with ESMTPSA id');
  });

  it('refuses a wrong password with 535 5.7.8', async () => {
    const running = await inbound.start({ tenants });
    const err = await transport(running.port, 'acme', 'wrong', 'PLAIN', 'starttls')
      .sendMail(mail)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ responseCode: 535 });
    expect(String((err as { response: string }).response)).toMatch(/^535 5\.7\.8 /);
    expect(running.metrics.rejections).toContain('auth');
    expect(running.queued).toHaveLength(0);
  });

  it(
    'refuses AUTH before TLS with 538 5.7.11 unless the tenant allows plaintext AUTH (on a plaintext-allowed ' +
      'listener)',
    async () => {
      const running = await inbound.start({ tenants, smtp: { allowPlaintextAuth: true } });
      const err = await transport(running.port, 'acme', PASSWORD, 'PLAIN', 'none')
        .sendMail(mail)
        .catch((e: unknown) => e);
      expect(String((err as { response: string }).response)).toMatch(/^538 5\.7\.11 /);
      const info = await transport(running.port, 'legacy', PASSWORD, 'LOGIN', 'none').sendMail(mail);
      expect(info.response).toMatch(/^250 2\.0\.0 /);
      expect(running.queued.map((m) => m.tenantId)).toEqual(['legacy']);
      expect(running.queue.body(running.queued[0]!.id)!.toString()).toContain('with ESMTPA id');
    },
  );

  it('gives unknown users the 538 reply too on a plaintext session (no user enumeration)', async () => {
    const running = await inbound.start({ tenants, smtp: { allowPlaintextAuth: true } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    expect((await client.command(`AUTH PLAIN ${plain('nobody', 'x')}`)).last).toMatch(/^538 5\.7\.11 /);
    client.close();
  });

  it('closes a connection with 421 4.7.0 after maxFailuresPerConnection failures', async () => {
    const running = await inbound.start({
      tenants,
      smtp: { allowPlaintextAuth: true, auth: { maxFailuresPerConnection: 2 } },
    });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    // Plaintext attempts by a tenant that requires TLS count as failures as well.
    expect((await client.command(`AUTH PLAIN ${plain('acme', 'bad1')}`)).code).toBe(538);
    expect((await client.command(`AUTH PLAIN ${plain('acme', 'bad2')}`)).last).toMatch(/^421 4\.7\.0 /);
    expect(await client.closesWithin(2_000)).toBe(true);
  });

  it(
    'throttles per IP: once the limit is reached, further attempts get the wrong-password reply without a ' +
      'password check',
    async () => {
      let checks = 0;
      const verify = (p: string, h: string) => {
        checks++;
        return verifyPassword(p, h);
      };
      const running = await inbound.start({
        tenants,
        verifyPassword: verify,
        smtp: {
          allowPlaintextAuth: true,
          auth: { maxFailuresPerIp: 2, maxFailuresPerUser: 100, maxFailuresPerConnection: 2, failureDelayMs: 10 },
        },
      });
      const bad = transport(running.port, 'legacy', 'wrong', 'PLAIN', 'none');
      for (let i = 0; i < 2; i++) await expect(bad.sendMail(mail)).rejects.toMatchObject({ responseCode: 535 });
      expect(checks).toBe(2);
      // Even the right password is now refused like a wrong one; the connection's last try closes it.
      const { client } = await RawSmtp.open(running.port);
      await client.expect('EHLO client.test', 250);
      expect((await client.command(`AUTH PLAIN ${plain('legacy', PASSWORD)}`)).last).toMatch(/^535 5\.7\.8 /);
      expect((await client.command(`AUTH PLAIN ${plain('legacy', PASSWORD)}`)).last).toMatch(/^421 4\.7\.0 /);
      expect(await client.closesWithin(2_000)).toBe(true);
      expect(checks).toBe(2);
      expect(running.metrics.rejections).toContain('auth-throttled-ip');
    },
  );

  it('throttles a user name per client IP, whatever the case of the name', async () => {
    const running = await inbound.start({
      tenants,
      smtp: {
        allowPlaintextAuth: true,
        auth: { maxFailuresPerIp: 100, maxFailuresPerUser: 2, maxFailuresPerConnection: 10 },
      },
    });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    expect((await client.command(`AUTH PLAIN ${plain('legacy', 'x')}`)).code).toBe(535);
    // User names are looked up exactly ("LEGACY" is nobody, so 538 in the clear) but counted case-insensitively.
    expect((await client.command(`AUTH PLAIN ${plain('LEGACY', 'y')}`)).code).toBe(538);
    expect((await client.command(`AUTH PLAIN ${plain('legacy', PASSWORD)}`)).last).toMatch(/^535 5\.7\.8 /);
    expect(running.metrics.rejections).toContain('auth-throttled-user');
    // Other users from the same IP are not affected.
    const info = await transport(running.port, 'acme', PASSWORD, 'PLAIN', 'starttls').sendMail(mail);
    expect(info.response).toMatch(/^250 /);
  });

  it('caches a verified password: a second connection does not run scrypt again', async () => {
    let checks = 0;
    const verify = (p: string, h: string) => {
      checks++;
      return verifyPassword(p, h);
    };
    const running = await inbound.start({ tenants, verifyPassword: verify });
    for (let i = 0; i < 3; i++) await transport(running.port, 'acme', PASSWORD, 'PLAIN', 'starttls').sendMail(mail);
    expect(checks).toBe(1);
    expect(running.queued).toHaveLength(3);
    // A wrong password is never served from the cache.
    await expect(transport(running.port, 'acme', 'nope', 'PLAIN', 'starttls').sendMail(mail)).rejects.toMatchObject({
      responseCode: 535,
    });
    expect(checks).toBe(2);
  });
});
