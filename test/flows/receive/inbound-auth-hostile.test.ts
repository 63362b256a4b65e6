import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/tenants/password.js';
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
    makeTenant({ id: 'rival', smtpUsername: 'rival', smtpPasswordHash: hash }),
    makeTenant({ id: 'legacy', smtpUsername: 'legacy', smtpPasswordHash: hash, allowPlaintextAuth: true }),
    makeTenant({ id: 'office', allowedIps: ['127.0.0.3'], requireTls: true }),
    makeTenant({ id: 'printer', allowedIps: ['127.0.0.4'] }),
  ]);
});

function plain(authzid: string, user: string, pass: string): string {
  return Buffer.from(`${authzid}\0${user}\0${pass}`).toString('base64');
}

async function session(port: number, opts: { tls?: boolean; localAddress?: string } = {}): Promise<RawSmtp> {
  const { client } = await RawSmtp.open(port, opts);
  await client.expect('EHLO client.test', 250);
  return client;
}

describe('AUTH PLAIN authorisation identity (RFC 4616)', () => {
  it('refuses an authzid other than the login with 535 5.7.8, so a tenant cannot act as another', async () => {
    const running = await inbound.start({ tenants, implicitTls: true });
    const rival = await session(running.port, { tls: true });
    expect((await rival.command(`AUTH PLAIN ${plain('acme', 'rival', PASSWORD)}`)).last).toMatch(/^535 5\.7\.8 /);
    rival.close();
    // Empty or identical authzid is the login itself, and the mail is queued for that tenant.
    for (const authzid of ['', 'rival']) {
      const client = await session(running.port, { tls: true });
      expect((await client.command(`AUTH PLAIN ${plain(authzid, 'rival', PASSWORD)}`)).code).toBe(235);
      expect((await client.send('billing@rival.example', ['c@example.com'], 'Subject: x\r\n\r\nhi')).code).toBe(250);
      client.close();
    }
    expect(running.queued.map((m) => m.tenantId)).toEqual(['rival', 'rival']);
    expect(running.metrics.rejections).toContain('auth-authzid');
  });
});

describe('AUTH only after TLS', () => {
  it(
    'does not advertise AUTH before STARTTLS and refuses it with 538 5.7.11, ' + 'even for a plaintext-allowed tenant',
    async () => {
      const running = await inbound.start({ tenants });
      const { client } = await RawSmtp.open(running.port);
      const ehlo = await client.expect('EHLO client.test', 250);
      expect(ehlo.lines).toContain('STARTTLS');
      expect(ehlo.lines.some((l) => l.startsWith('AUTH'))).toBe(false);
      expect((await client.command(`AUTH PLAIN ${plain('', 'legacy', PASSWORD)}`)).last).toBe(
        '538 5.7.11 Must issue a STARTTLS command first',
      );
      expect((await client.command(`AUTH PLAIN ${plain('', 'nobody', 'x')}`)).last).toBe(
        '538 5.7.11 Must issue a STARTTLS command first',
      );
      await client.startTls();
      expect((await client.expect('EHLO client.test', 250)).lines).toContain('AUTH PLAIN LOGIN');
      expect((await client.command(`AUTH PLAIN ${plain('', 'acme', PASSWORD)}`)).code).toBe(235);
      client.close();
    },
  );

  it(
    'on a listener marked plaintext-allowed, advertises AUTH and lets only tenants that allow it log in in the ' +
      'clear',
    async () => {
      const running = await inbound.start({ tenants, smtp: { allowPlaintextAuth: true } });
      const client = await session(running.port);
      expect((await client.command(`AUTH PLAIN ${plain('', 'acme', PASSWORD)}`)).last).toMatch(/^538 5\.7\.11 /);
      expect((await client.command(`AUTH PLAIN ${plain('', 'legacy', PASSWORD)}`)).code).toBe(235);
      client.close();
    },
  );

  it(
    'refuses MAIL FROM on a plaintext session of a tenant that requires TLS with 530 5.7.0; ' + 'others are unaffected',
    async () => {
      const running = await inbound.start({ tenants });
      const plainSession = await session(running.port, { localAddress: '127.0.0.3' });
      expect((await plainSession.command('MAIL FROM:<scan@office.example>')).last).toBe(
        '530 5.7.0 Must issue a STARTTLS command first',
      );
      plainSession.close();
      const upgraded = await session(running.port, { localAddress: '127.0.0.3' });
      await upgraded.startTls();
      expect((await upgraded.send('scan@office.example', ['c@example.com'], 'Subject: x\r\n\r\nhi')).code).toBe(250);
      upgraded.close();
      const printer = await session(running.port, { localAddress: '127.0.0.4' });
      expect((await printer.send('scan@printer.example', ['c@example.com'], 'Subject: x\r\n\r\nhi')).code).toBe(250);
      printer.close();
      expect(running.queued.map((m) => m.tenantId)).toEqual(['office', 'printer']);
      expect(running.metrics.rejections).toContain('tls-required');
    },
  );

  it('accepts the TLS-requiring tenant over TLS', async () => {
    const running = await inbound.start({ tenants, implicitTls: true });
    const client = await session(running.port, { tls: true, localAddress: '127.0.0.3' });
    expect((await client.send('scan@office.example', ['c@example.com'], 'Subject: x\r\n\r\nhi')).code).toBe(250);
    client.close();
    expect(running.queued.map((m) => m.tenantId)).toEqual(['office']);
  });
});

describe('AUTH throttles an attacker cannot turn against a victim', () => {
  const limits = {
    maxFailuresPerUser: 3,
    maxFailuresPerIp: 50,
    maxFailuresPerConnection: 100,
    failureDelayMs: 20,
    maxFailureDelayMs: 80,
  };

  it(
    'failures from one address lock the user out from that address only; ' + 'the right password works from another',
    async () => {
      const running = await inbound.start({ tenants, implicitTls: true, smtp: { auth: limits } });
      const attacker = await session(running.port, { tls: true, localAddress: '127.0.0.2' });
      for (let i = 0; i < 6; i++)
        expect((await attacker.command(`AUTH PLAIN ${plain('', 'acme', `guess${i}`)}`)).code).toBe(535);
      // Throttled now from 127.0.0.2: even the right password gets the wrong-password reply.
      expect((await attacker.command(`AUTH PLAIN ${plain('', 'acme', PASSWORD)}`)).last).toBe(
        '535 5.7.8 Authentication credentials invalid',
      );
      attacker.close();
      const victim = await session(running.port, { tls: true });
      expect((await victim.command(`AUTH PLAIN ${plain('', 'acme', PASSWORD)}`)).code).toBe(235);
      victim.close();
      expect(running.metrics.rejections).toContain('auth-throttled-user');
    },
  );

  it('answers a throttled unknown user exactly like a throttled known one, after the same backoff', async () => {
    const running = await inbound.start({
      tenants,
      implicitTls: true,
      smtp: { auth: { ...limits, failureDelayMs: 150, maxFailureDelayMs: 150 } },
    });
    const client = await session(running.port, { tls: true, localAddress: '127.0.0.2' });
    const timed = async (user: string): Promise<{ last: string; ms: number }> => {
      const started = Date.now();
      const reply = await client.command(`AUTH PLAIN ${plain('', user, 'wrong')}`);
      return { last: reply.last, ms: Date.now() - started };
    };
    for (let i = 0; i < 3; i++) await timed('acme');
    for (let i = 0; i < 3; i++) await timed('ghost');
    const known = await timed('acme');
    const unknown = await timed('ghost');
    expect(unknown.last).toBe(known.last);
    expect(known.last).toBe('535 5.7.8 Authentication credentials invalid');
    // Both wait the backoff (the throttled path skips scrypt for both alike).
    expect(known.ms).toBeGreaterThanOrEqual(140);
    expect(unknown.ms).toBeGreaterThanOrEqual(140);
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(100);
    client.close();
  });

  it('throttles an IP across user names, without touching other IPs', async () => {
    const running = await inbound.start({
      tenants,
      implicitTls: true,
      smtp: { auth: { ...limits, maxFailuresPerIp: 4 } },
    });
    const attacker = await session(running.port, { tls: true, localAddress: '127.0.0.2' });
    for (const user of ['a', 'b', 'c', 'd']) await attacker.command(`AUTH PLAIN ${plain('', user, 'x')}`);
    expect((await attacker.command(`AUTH PLAIN ${plain('', 'rival', PASSWORD)}`)).last).toMatch(/^535 5\.7\.8 /);
    attacker.close();
    const other = await session(running.port, { tls: true });
    expect((await other.command(`AUTH PLAIN ${plain('', 'rival', PASSWORD)}`)).code).toBe(235);
    other.close();
    expect(running.metrics.rejections).toContain('auth-throttled-ip');
  });
});
