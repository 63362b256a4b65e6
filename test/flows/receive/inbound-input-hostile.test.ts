import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/tenants/password.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { FakeTenants, makeTenant } from '../../helpers/inbound-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { inboundFixture } from '../../helpers/inbound-fixture.js';

const inbound = inboundFixture();

const PASSWORD = 'correct horse battery staple';
let tenants: FakeTenants;

beforeAll(async () => {
  tenants = new FakeTenants([
    makeTenant({ id: 'acme', smtpUsername: 'acme', smtpPasswordHash: await hashPassword(PASSWORD) }),
    makeTenant({ id: 'office', allowedIps: ['127.0.0.1'] }),
  ]);
});

describe('junk commands', () => {
  it('answers NOOP, RSET, VRFY and HELP over the limit with an error after a growing delay, then closes', async () => {
    const running = await inbound.start({ tenants, smtp: { junkCommandLimit: 4, errorSleepMs: 10 } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    for (const cmd of ['NOOP', 'RSET', 'VRFY someone', 'HELP'])
      expect((await client.command(cmd)).code).toBeLessThan(300);
    let started = Date.now();
    expect((await client.command('NOOP')).last).toBe('550 5.7.0 Too many NOOP, RSET, VRFY or HELP commands');
    expect(Date.now() - started).toBeGreaterThanOrEqual(8);
    started = Date.now();
    expect((await client.command('RSET')).code).toBe(550);
    expect(Date.now() - started).toBeGreaterThanOrEqual(18);
    // A real transaction still works in between.
    expect((await client.send('billing@office.example', ['c@example.com'], 'Subject: x\r\n\r\nhi')).code).toBe(250);
    let last = '';
    for (let i = 0; i < 30 && !last.startsWith('421'); i++) last = (await client.command('NOOP')).last;
    expect(last).toBe('421 4.7.0 Too many NOOP, RSET, VRFY or HELP commands, closing connection');
    expect(await client.closesWithin(2_000)).toBe(true);
    expect(running.metrics.rejections).toContain('junk');
  });

  it('never limits them in an authenticated session', async () => {
    const running = await inbound.start({
      tenants,
      implicitTls: true,
      smtp: { junkCommandLimit: 2, errorSleepMs: 1_000 },
    });
    const { client } = await RawSmtp.open(running.port, { tls: true });
    await client.expect('EHLO client.test', 250);
    expect((await client.command(`AUTH PLAIN ${Buffer.from(`\0acme\0${PASSWORD}`).toString('base64')}`)).code).toBe(
      235,
    );
    for (let i = 0; i < 20; i++) expect((await client.command(i % 2 ? 'NOOP' : 'RSET')).code).toBe(250);
    client.close();
  });
});

describe('deadlines', () => {
  it('closes a client that drips a command one byte at a time with 421 4.4.2 after commandTimeoutMs', async () => {
    const running = await inbound.start({ tenants, smtp: { commandTimeoutMs: 600, socketTimeoutMs: 60_000 } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    const started = Date.now();
    const dripped = (async () => {
      for (const byte of 'MAIL FROM:<billing@office.example>') {
        if (await client.closesWithin(100)) return;
        client.write(byte);
      }
    })();
    expect((await client.reply()).last).toBe('421 4.4.2 Command took too long, closing connection');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await client.closesWithin(2_000)).toBe(true);
    await dripped;
    expect(running.metrics.rejections).toContain('command-timeout');
  });

  it('does not cut off complete commands or a message being sent that take longer together', async () => {
    const running = await inbound.start({ tenants, smtp: { commandTimeoutMs: 400, socketTimeoutMs: 60_000 } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    await client.expect('MAIL FROM:<billing@office.example>', 250);
    await client.expect('RCPT TO:<c@example.com>', 250);
    await client.expect('DATA', 354);
    for (let i = 0; i < 5; i++) {
      client.write(`X-Slow-${i}: ${'a'.repeat(10)}\r\n`);
      await expectNothingFor(150, () => running.metrics.rejections.length === 0, 'no cut-off while data flows');
    }
    client.write('\r\nbody\r\n.\r\n');
    expect((await client.reply()).code).toBe(250);
    for (let i = 0; i < 3; i++) {
      await expectNothingFor(250, () => running.metrics.rejections.length === 0, 'no cut-off between commands');
      expect((await client.command('NOOP')).code).toBe(250);
    }
    client.close();
  });

  it('ends a session that lasts longer than sessionTimeoutMs, however busy, with 421 4.4.2', async () => {
    const running = await inbound.start({ tenants, smtp: { sessionTimeoutMs: 700 } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    const started = Date.now();
    const last = await waitFor(
      async () => {
        const reply = (await client.command('EHLO client.test')).last;
        return reply.startsWith('421') ? reply : undefined;
      },
      3_000,
      'the 421 at the session deadline',
      50,
    );
    expect(last).toBe('421 4.4.2 Session lasted too long, closing connection');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await client.closesWithin(2_000)).toBe(true);
  });

  it('lets a transaction in progress at the session deadline finish first', async () => {
    const running = await inbound.start({ tenants, smtp: { sessionTimeoutMs: 400 } });
    const { client } = await RawSmtp.open(running.port);
    await client.expect('EHLO client.test', 250);
    await client.expect('MAIL FROM:<billing@office.example>', 250);
    await client.expect('RCPT TO:<c@example.com>', 250);
    await client.expect('DATA', 354);
    await expectNothingFor(700, () => running.queued.length === 0, 'the open transaction to wait past the deadline');
    client.write('Subject: x\r\n\r\nhi\r\n.\r\n');
    expect((await client.reply()).code).toBe(250);
    expect((await client.command('MAIL FROM:<billing@office.example>')).last).toMatch(/^421 4\.4\.2 /);
    expect(running.queued).toHaveLength(1);
  });
});

describe('mail loops', () => {
  const received = (n: number): string =>
    Array.from(
      { length: n },
      (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Mon, 7 Dec 2026 06:00:00 +0000\r\n`,
    ).join('');

  it(
    'refuses a message with more than smtp.maxHops Received: fields with 554 5.4.6; ' + 'at the limit it is accepted',
    async () => {
      const running = await inbound.start({ tenants });
      const { client } = await RawSmtp.open(running.port);
      const looping = await client.send(
        'billing@office.example',
        ['c@example.com'],
        `${received(51)}Subject: loop\r\n\r\nhi`,
      );
      expect(looping.last).toBe('554 5.4.6 Too many hops (mail loop?)');
      await client.expect('RSET', 250);
      expect(
        (await client.send('billing@office.example', ['c@example.com'], `${received(50)}Subject: ok\r\n\r\nhi`)).code,
      ).toBe(250);
      client.close();
      expect(running.queued).toHaveLength(1);
      expect(running.metrics.rejections).toContain('loop');
    },
  );

  it('follows smtp.maxHops', async () => {
    const running = await inbound.start({ tenants, smtp: { maxHops: 3 } });
    const { client } = await RawSmtp.open(running.port);
    expect(
      (await client.send('billing@office.example', ['c@example.com'], `${received(4)}Subject: loop\r\n\r\nhi`)).code,
    ).toBe(554);
    client.close();
  });
});
