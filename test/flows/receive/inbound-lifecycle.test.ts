import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSmtpListener } from '../../../src/receive/smtp/smtp-listener.js';
import { MemoryQueue } from '../../helpers/memory-queue.js';
import { FakeTenants, RecordingMetrics, makeTenant, smtpConfig } from '../../helpers/inbound-harness.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { inboundFixture, startData } from '../../helpers/inbound-fixture.js';

const inbound = inboundFixture();

const tenants = new FakeTenants([makeTenant({ id: 'office', allowedIps: ['127.0.0.1'] })]);

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('transaction deadline', () => {
  it('cuts off a client that drips one byte at a time with 421 4.4.2 and closes the socket', async () => {
    const running = await inbound.start({ tenants, smtp: { transactionTimeoutMs: 500, socketTimeoutMs: 2_000 } });
    const c = await inbound.open(running.port);
    await startData(c);
    const started = Date.now();
    let cut = false;
    for (let i = 0; i < 40 && !cut; i++) {
      // at most 4 s
      c.write('x');
      cut = await c.closesWithin(100);
    }
    expect(cut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await c.reply()).last).toMatch(/^421 4\.4\.2 /);
    expect(running.queued).toHaveLength(0);
    expect(running.metrics.rejections).toEqual(['timeout']);
  });

  it('does not cut off a client that left its transaction with RSET', async () => {
    const running = await inbound.start({ tenants, smtp: { transactionTimeoutMs: 300 } });
    const c = await inbound.open(running.port);
    await c.expect('EHLO client.test', 250);
    await c.expect('MAIL FROM:<a@office.example>', 250);
    await c.expect('RSET', 250);
    for (let i = 0; i < 5; i++) {
      await expectNothingFor(100, () => running.metrics.rejections.length === 0, 'no cut-off after RSET');
      expect((await c.command('NOOP')).code).toBe(250);
    }
    expect(running.metrics.rejections).toEqual([]);
  });

  it('lets consecutive quick transactions on one connection through', async () => {
    const running = await inbound.start({ tenants, smtp: { transactionTimeoutMs: 300 } });
    const c = await inbound.open(running.port);
    await c.expect('EHLO client.test', 250);
    for (let i = 0; i < 3; i++) {
      await c.expect('MAIL FROM:<a@office.example>', 250);
      await c.expect('RCPT TO:<b@example.com>', 250);
      await c.expect('DATA', 354);
      c.write(`Subject: ${i}\r\n\r\nx\r\n.\r\n`);
      expect((await c.reply()).code).toBe(250);
      await expectNothingFor(150, () => running.metrics.rejections.length === 0, 'no cut-off between transactions');
    }
    expect(running.queued).toHaveLength(3);
  });
});

describe('implicit TLS listener', () => {
  it('speaks TLS from the first byte and marks Received: ESMTPS', async () => {
    const running = await inbound.start({ tenants, implicitTls: true });
    const c = await inbound.open(running.port, { tls: true });
    const ehlo = await c.expect('EHLO client.test', 250);
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect((await c.send('a@office.example', ['b@example.com'], 'Subject: tls\r\n\r\nx', 'client.test')).code).toBe(
      250,
    );
    expect(running.queue.body(running.queued[0]!.id)!.toString()).toContain('with ESMTPS id');
  });

  it('works with nodemailer secure: true', async () => {
    const running = await inbound.start({ tenants, implicitTls: true });
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: running.port,
      secure: true,
      tls: { rejectUnauthorized: false },
    });
    const info = await t.sendMail({ from: 'a@office.example', to: 'b@example.com', subject: 'hi', text: 'x' });
    expect(info.response).toMatch(/^250 2\.0\.0 /);
  });
});

describe('graceful close', () => {
  it('stops accepting, lets a transaction in progress finish, and sends 421 4.3.2 to idle sessions', async () => {
    const running = await inbound.start({ tenants });
    const busy = await inbound.open(running.port);
    const idle = await inbound.open(running.port);
    await idle.expect('EHLO idle.test', 250);
    await startData(busy);
    busy.write('Subject: in flight\r\n\r\nfirst half\r\n');
    const closed = running.listener.close(5_000);
    expect((await idle.reply()).last).toMatch(/^421 4\.3\.2 /);
    expect(await idle.closesWithin(2_000)).toBe(true);
    expect(await refused(running.port)).toBe(true);
    busy.write('second half\r\n.\r\n');
    expect((await busy.reply()).last).toMatch(/^250 2\.0\.0 /);
    expect((await busy.reply()).last).toMatch(/^421 4\.3\.2 /);
    await closed;
    expect(running.queued).toHaveLength(1);
    expect(running.queue.body(running.queued[0]!.id)!.toString()).toContain('first half\r\nsecond half\r\n');
  });

  it('closes a transaction that outlives the grace period with 421 4.3.2', async () => {
    const running = await inbound.start({ tenants });
    const busy = await inbound.open(running.port);
    await startData(busy);
    busy.write('Subject: stuck\r\n\r\nnever finished\r\n');
    const started = Date.now();
    await running.listener.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await busy.reply()).last).toMatch(/^421 4\.3\.2 /);
    expect(await busy.closesWithin(1_000)).toBe(true);
    expect(running.queued).toHaveLength(0);
  });
});

describe('listener edges', () => {
  it('rejects listen() when the port is taken', async () => {
    const running = await inbound.start({ tenants });
    const second = createSmtpListener({
      smtp: smtpConfig(),
      hostname: 'mx.postbode.test',
      tls: inbound.tls,
      tenants,
      queue: new MemoryQueue(),
      metrics: new RecordingMetrics(),
      logger: pino({ level: 'silent' }),
      clock: () => Date.now(),
    });
    await expect(second.listen(running.port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await second.close(10);
  });

  it('survives a client that vanishes in the middle of DATA, and stores nothing for it', async () => {
    const running = await inbound.start({ tenants });
    const gone = await inbound.open(running.port);
    await startData(gone);
    gone.write('Subject: half\r\n\r\nhalf a mess');
    await expectNothingFor(50, () => running.queued.length === 0, 'nothing stored for half a message');
    gone.close();
    await expectNothingFor(50, () => running.queued.length === 0, 'nothing stored for a vanished client');
    const next = await inbound.open(running.port);
    expect((await next.send('a@office.example', ['b@example.com'], 'Subject: whole\r\n\r\nok')).code).toBe(250);
    expect(running.queued.map((m) => m.subject)).toEqual(['whole']);
    expect(running.metrics.rejections).toEqual([]); // a client leaving is not a refusal
  });
});
