import type { DiskSpace } from '../../../src/store/disk-watermark.js';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/gateway-error.js';
import { hasBareLineEnding } from '../../../src/mime/line-endings.js';
import { MemoryQueue } from '../../helpers/memory-queue.js';
import { FakeTenants, HOSTNAME, makeTenant, type Running } from '../../helpers/inbound-harness.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { inboundFixture, startData } from '../../helpers/inbound-fixture.js';

const inbound = inboundFixture();

const tenants = new FakeTenants([makeTenant({ id: 'office', allowedIps: ['127.0.0.1'] })]);

function onlyBody(running: Running): Buffer {
  expect(running.queued).toHaveLength(1);
  return running.queue.body(running.queued[0]!.id)!;
}

describe('DATA content checks', () => {
  it('refuses a NUL byte with 550 5.6.0', async () => {
    const running = await inbound.start({ tenants });
    const c = await inbound.open(running.port);
    const reply = await c.send('a@office.example', ['b@example.com'], 'Subject: x\r\n\r\nab\0cd');
    expect(reply.last).toMatch(/^550 5\.6\.0 /);
    expect(running.queued).toHaveLength(0);
    expect(running.metrics.rejections).toEqual(['nul']);
  });

  it('stores bare-LF mail (old invoicing software) with CRLF line endings', async () => {
    const running = await inbound.start({ tenants });
    const c = await inbound.open(running.port);
    await startData(c);
    c.write('Subject: bare\nFrom: a@office.example\n\nline 1\nline 2\r\n.\r\n');
    expect((await c.reply()).code).toBe(250);
    const body = onlyBody(running);
    expect(hasBareLineEnding(body)).toBe(false);
    expect(body.toString()).toMatch(
      /\r\nSubject: bare\r\nFrom: a@office\.example\r\n(Date|Message-ID).*\r\n\r\nline 1\r\nline 2\r\n$/s,
    );
  });
});

describe('line-ending variants and SMTP smuggling', () => {
  const smuggled = 'MAIL FROM:<x@x.example>\r\nRCPT TO:<y@y.example>\r\nDATA\r\nsmuggled body\r\n.\r\n';
  const variants: Array<[string, string]> = [
    ['LF.LF', '\n.\n'],
    ['CR.CR', '\r.\r'],
    ['CRLF.LF', '\r\n.\n'],
    ['LF.CRLF', '\n.\r\n'],
    ['LF..CRLF', '\n..\r\n'],
  ];

  async function sendVariant(terminator: string, byteByByte: boolean): Promise<Buffer> {
    const running = await inbound.start({ tenants });
    const c = await inbound.open(running.port);
    await startData(c);
    const payload = Buffer.from(`Subject: smuggle\r\n\r\nline one${terminator}${smuggled}`, 'latin1');
    if (byteByByte) {
      for (const byte of payload) {
        c.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    } else {
      c.write(payload);
    }
    expect((await c.reply()).code).toBe(250);
    // Had the smuggled commands run, QUIT would not be the next reply.
    expect((await c.command('QUIT')).code).toBe(221);
    const body = onlyBody(running);
    expect(hasBareLineEnding(body)).toBe(false);
    expect(body.toString('latin1')).toContain(
      'MAIL FROM:<x@x.example>\r\nRCPT TO:<y@y.example>\r\nDATA\r\nsmuggled body\r\n',
    );
    return body;
  }

  it.each(variants)('%s: one message, CRLF only, smuggled commands kept as content', async (_name, terminator) => {
    const body = await sendVariant(terminator, false);
    // Whatever the client's line ends were, the "end" line is stored as a CRLF line holding one dot
    // (for LF..CRLF after smtp-server removed the stuffing dot): content, dot-stuffed again on relay.
    expect(body.toString('latin1')).toContain('line one\r\n.\r\nMAIL FROM:');
  });

  it('LF.LF sent one byte at a time: still one message', async () => {
    await sendVariant('\n.\n', true);
  });

  it('control: a real CRLF.CRLF ends the message and the next transaction is a second message', async () => {
    const running = await inbound.start({
      tenants: new FakeTenants([makeTenant({ id: 'office', allowedIps: ['127.0.0.1'] })]),
    });
    const c = await inbound.open(running.port);
    await startData(c);
    c.write(`Subject: ok\r\n\r\nline one\r\n.\r\n${smuggled}`);
    expect((await c.reply()).code).toBe(250);
    expect((await c.reply()).code).toBe(250); // MAIL
    expect((await c.reply()).code).toBe(250); // RCPT
    expect((await c.reply()).code).toBe(354); // DATA
    expect((await c.reply()).code).toBe(250);
    expect(running.queued).toHaveLength(2);
  });
});

describe('malformed structure', () => {
  const mime = (depth: number): string => {
    let body = 'leaf\r\n';
    for (let i = depth; i >= 1; i--) {
      body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    }
    return `Subject: nest\r\n${body}`;
  };
  const manyParts = (n: number): string => {
    const parts = Array.from({ length: n }, (_, i) => `--sep\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join(
      '',
    );
    return `Subject: parts\r\nContent-Type: multipart/mixed; boundary=sep\r\n\r\n${parts}--sep--\r\n`;
  };
  const cases: Array<[string, () => string, RegExp]> = [
    ['a 1 MiB header', () => `Subject: huge\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\nbody`, /header too long/],
    ['40-deep nesting', () => mime(40), /nesting deeper than 32/],
    ['1500 parts', () => manyParts(1500), /more than 1000 MIME parts/],
    ['a line that is not a header', () => 'Subject: x\r\nthis is not a header\r\n\r\nbody', /bad header line 2/],
  ];

  it.each(cases)('refuses %s with 554 5.6.0 and keeps serving', async (_name, make, why) => {
    const running = await inbound.start({ tenants });
    const c = await inbound.open(running.port);
    const reply = await c.send('a@office.example', ['b@example.com'], make());
    expect(reply.last).toMatch(/^554 5\.6\.0 Malformed message: /);
    expect(reply.last).toMatch(why);
    const next = await inbound.open(running.port);
    expect((await next.send('a@office.example', ['b@example.com'], 'Subject: fine\r\n\r\nok')).code).toBe(250);
    expect(running.queued).toHaveLength(1);
    expect(running.metrics.rejections).toEqual(['malformed']);
  });

  it('accepts 32 levels of nesting and 1000 parts', async () => {
    const running = await inbound.start({ tenants });
    const c = await inbound.open(running.port);
    expect((await c.send('a@office.example', ['b@example.com'], mime(32))).code).toBe(250);
    const d = await inbound.open(running.port);
    expect((await d.send('a@office.example', ['b@example.com'], manyParts(1000))).code).toBe(250);
  });
});

describe('trace headers', () => {
  const now = Date.UTC(2025, 6, 1, 9, 5, 0);

  it('prepends Received:, appends Date: and Message-ID:, and leaves every other byte alone', async () => {
    const running = await inbound.start({ tenants, clock: () => now });
    const c = await inbound.open(running.port);
    await startData(c);
    const headers =
      'From: "Acme" <a@office.example>\r\nSubject: =?utf-8?q?Factuur?=\r\n  folded on\r\nX-Odd:no-space\r\n';
    const rest = '\r\nbody line\r\n..leading dot was stuffed\r\n\r\n';
    c.write(`${headers}${rest.replace('\r\n..', '\r\n...')}.\r\n`);
    const reply = await c.reply();
    const id = /queued as ([0-9A-Z]{26})$/.exec(reply.last)?.[1];
    expect(id).toBeDefined();
    const expected =
      `Received: from client.test ([127.0.0.1])\r\n\tby ${HOSTNAME} (Postbode) with ESMTP id ${id}\r\n` +
      `\tfor <b@example.com>;\r\n\tTue, 01 Jul 2025 09:05:00 +0000\r\n${headers}` +
      `Date: Tue, 01 Jul 2025 09:05:00 +0000\r\nMessage-ID: <${id}@${HOSTNAME}>\r\n${rest}`;
    expect(onlyBody(running).toString('latin1')).toBe(expected);
    expect(running.queued[0]).toMatchObject({
      messageId: `<${id}@${HOSTNAME}>`,
      subject: '=?utf-8?q?Factuur?=  folded on',
      receivedAt: now,
    });
  });

  it('keeps the client Date: and Message-ID:, and omits "for" with several recipients', async () => {
    const running = await inbound.start({ tenants, clock: () => now });
    const c = await inbound.open(running.port);
    await startData(c, ['b@example.com', 'c@example.com']);
    const message = 'date: Mon, 30 Jun 2025 10:00:00 +0200\r\nMESSAGE-ID:\r\n <own@client.test>\r\n\r\nhi\r\n';
    c.write(`${message}.\r\n`);
    expect((await c.reply()).code).toBe(250);
    const stored = onlyBody(running).toString('latin1');
    expect(stored.endsWith(message)).toBe(true);
    expect(stored.slice(0, stored.length - message.length)).not.toContain('for <');
    expect(running.queued[0]?.messageId).toBe('<own@client.test>');
  });

  it('adds a header block to plain text that has none', async () => {
    const running = await inbound.start({ tenants, clock: () => now });
    const c = await inbound.open(running.port);
    expect((await c.send('a@office.example', ['b@example.com'], 'just a line of text\r\nand another')).code).toBe(250);
    expect(onlyBody(running).toString()).toMatch(
      /Message-ID: <[0-9A-Z]{26}@mx\.postbode\.test>\r\n\r\njust a line of text\r\nand another\r\n$/,
    );
  });
});

describe('durable before 250', () => {
  it('does not answer DATA until the queue has synced, then answers 250 with the id', async () => {
    const queue = new MemoryQueue();
    let release: () => void = () => undefined;
    queue.beforeDurable = () =>
      new Promise<void>((resolve) => {
        release = resolve;
      });
    const running = await inbound.start({ tenants, queue });
    const c = await inbound.open(running.port);
    await startData(c);
    c.write('Subject: held\r\n\r\nx\r\n.\r\n');
    const pending = c.reply();
    let answered = false;
    void pending.then(
      () => {
        answered = true;
      },
      () => undefined,
    );
    await expectNothingFor(300, () => !answered, 'no reply before the message is durable');
    expect(answered).toBe(false);
    expect(running.queued).toHaveLength(0);
    release();
    const reply = await pending;
    expect(reply.last).toMatch(/^250 2\.0\.0 Ok: queued as /);
    expect(reply.last).toContain(running.queued[0]!.id);
    expect(running.metrics.acceptedSeconds[0]).toBeGreaterThanOrEqual(0.25);
  });

  it('answers 452 4.3.1 when the store is full, and accepts again once it is not', async () => {
    const queue = new MemoryQueue();
    let full = true;
    queue.beforeDurable = async () => {
      if (full) throw new GatewayError('E_STORAGE_FULL', 'map full');
    };
    const running = await inbound.start({ tenants, queue });
    const c = await inbound.open(running.port);
    expect((await c.send('a@office.example', ['b@example.com'], 'Subject: one\r\n\r\nx')).last).toMatch(
      /^452 4\.3\.1 /,
    );
    full = false;
    await c.expect('MAIL FROM:<a@office.example>', 250);
    await c.expect('RCPT TO:<b@example.com>', 250);
    await c.expect('DATA', 354);
    c.write('Subject: two\r\n\r\nx\r\n.\r\n');
    expect((await c.reply()).code).toBe(250);
    expect(running.queued.map((m) => m.subject)).toEqual(['two']);
    expect(running.metrics.rejections).toEqual(['storage-full']);
  });

  it('answers 452 4.3.1 for a failed write without a named cause when a fresh sample shows the disk full', async () => {
    // lmdb names the cause of a failed commit late on a busy machine; the filesystem itself says it is full.
    let free = 10_000;
    let checks = 0;
    const disk: DiskSpace = {
      below: () => false,
      check: async () => {
        checks++;
      },
      freeBytes: () => free,
    };
    const queue = new MemoryQueue();
    queue.beforeDurable = async () => {
      throw new GatewayError('E_STORAGE', 'commit failed');
    };
    const running = await inbound.start({ tenants, queue, disk });
    const c = await inbound.open(running.port);
    expect((await c.send('a@office.example', ['b@example.com'], 'Subject: one\r\n\r\nx')).last).toMatch(
      /^452 4\.3\.1 /,
    );
    expect(checks).toBeGreaterThanOrEqual(1);
    free = 10 * 1024 * 1024 * 1024;
    expect((await c.send('a@office.example', ['b@example.com'], 'Subject: two\r\n\r\nx')).last).toMatch(
      /^451 4\.3\.0 /,
    );
    expect(running.metrics.rejections).toEqual(['storage-full', 'local-error']);
  });

  it('answers 451 4.3.0 for any other storage error', async () => {
    const queue = new MemoryQueue();
    queue.beforeDurable = async () => {
      throw new Error('disk on fire');
    };
    const running = await inbound.start({ tenants, queue });
    const c = await inbound.open(running.port);
    expect((await c.send('a@office.example', ['b@example.com'], 'Subject: one\r\n\r\nx')).last).toMatch(
      /^451 4\.3\.0 /,
    );
    expect(running.metrics.rejections).toEqual(['local-error']);
  });
});
