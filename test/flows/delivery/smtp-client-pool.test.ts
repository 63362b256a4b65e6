import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/core/types.js';
import { SmtpPool, type PoolOptions } from '../../../src/transports/smtp/client/pool.js';
import type { RecipientAnswer } from '../../../src/transports/smtp/client/transaction.js';
import { resultsFromAnswers } from '../../../src/transports/smtp/smtp-results.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';
import { replyLine } from '../../../src/core/smtp-reply.js';
import { replyMatching } from '../../helpers/smtp-replies.js';

/**
 * The pool and the wire protocol against a scripted SMTP server on 127.0.0.1:0, which can
 * hold replies, refuse, close or trickle exactly when a test needs it.
 */

interface FakeSession {
  readonly id: number;
  readonly commands: string[];
  /** Message bodies as received, still dot-stuffed, without the terminating `.CRLF`. */
  readonly messages: Buffer[];
  /** Chunks that carried more than one command line (the client did not wait for a reply). */
  pipelinedChunks: number;
  closed: boolean;
  write(text: string): void;
  destroy(): void;
  /** Ends the session after what was written, ignoring the rest of what the client sent. */
  hangUp(): void;
}

/** Return the reply lines (joined with CRLF), null for no reply now, undefined for the default. */
type CommandHook = (line: string, session: FakeSession) => string | null | undefined;

interface FakeOptions {
  readonly greeting?: (session: FakeSession) => string | null;
  /** EHLO keyword lines; the default offers PIPELINING. */
  readonly ehlo?: readonly string[];
  readonly command?: CommandHook;
  /** Final reply after a body; null for none. */
  readonly message?: (body: Buffer, session: FakeSession) => string | null;
  /** Holds the replies to MAIL, RCPT and DATA until DATA came, then sends them in one write. */
  readonly holdUntilData?: boolean;
}

interface Fake {
  readonly port: number;
  readonly sessions: FakeSession[];
  readonly stats: { open: number; maxOpen: number };
  close(): Promise<void>;
}

const END_OF_DATA = Buffer.from('\r\n.\r\n');

function defaultReply(line: string, options: FakeOptions): string {
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === 'EHLO') return ehloReply(options);
  if (verb === 'DATA') return '354 End data with <CR><LF>.<CR><LF>';
  if (verb === 'QUIT') return '221 Bye';
  return '250 Ok';
}

function ehloReply(options: FakeOptions): string {
  const keywords = options.ehlo ?? ['PIPELINING'];
  const lines = ['fake.test', ...keywords];
  return lines.map((text, i) => `250${i === lines.length - 1 ? ' ' : '-'}${text}`).join('\r\n');
}

function handleSession(
  socket: Socket,
  session: FakeSession & { buffer: Buffer; dataMode: boolean; held: string[] },
  options: FakeOptions,
): void {
  const reply = (verb: string, text: string | null): void => {
    if (text === null) return;
    if (options.holdUntilData && ['MAIL', 'RCPT', 'DATA'].includes(verb)) session.held.push(text);
    else session.write(`${text}\r\n`);
  };
  const onLine = (line: string): void => {
    session.commands.push(line);
    const verb = line.slice(0, 4).toUpperCase();
    const hooked = options.command?.(line, session);
    const text = hooked !== undefined ? hooked : defaultReply(line, options);
    if (text?.startsWith('354')) session.dataMode = true;
    reply(verb, text);
    if (options.holdUntilData && verb === 'DATA') {
      session.write(`${session.held.join('\r\n')}\r\n`);
      session.held.length = 0;
    }
    if (verb === 'QUIT') socket.end();
  };
  const onData = (): void => {
    const atStart = session.buffer.subarray(0, 3).equals(Buffer.from('.\r\n'));
    const end = atStart ? 0 : session.buffer.indexOf(END_OF_DATA);
    if (end < 0) return;
    const body = session.buffer.subarray(0, atStart ? 0 : end + 2);
    session.buffer = session.buffer.subarray(atStart ? 3 : end + END_OF_DATA.length);
    session.dataMode = false;
    session.messages.push(Buffer.from(body));
    const final = options.message
      ? options.message(body, session)
      : `250 2.0.0 Ok: queued as ${session.id}.${session.messages.length}`;
    if (final !== null) session.write(`${final}\r\n`);
  };
  socket.on('data', (chunk: Buffer) => {
    session.buffer = Buffer.concat([session.buffer, chunk]);
    let lines = 0;
    for (let guard = 0; guard < 10_000 && !session.closed; guard++) {
      if (session.dataMode) {
        const before = session.buffer.length;
        onData();
        if (session.dataMode || session.buffer.length === before) break;
        continue;
      }
      const lf = session.buffer.indexOf('\r\n');
      if (lf < 0) break;
      const line = session.buffer.subarray(0, lf).toString('utf8');
      session.buffer = session.buffer.subarray(lf + 2);
      if (++lines === 2) session.pipelinedChunks++;
      onLine(line);
    }
  });
}

async function startFake(options: FakeOptions = {}): Promise<Fake> {
  const sessions: FakeSession[] = [];
  const stats = { open: 0, maxOpen: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    const session = {
      id: sessions.length + 1,
      commands: [] as string[],
      messages: [] as Buffer[],
      pipelinedChunks: 0,
      closed: false,
      buffer: Buffer.alloc(0),
      dataMode: false,
      held: [] as string[],
      write: (text: string) => {
        if (!socket.destroyed) socket.write(text);
      },
      destroy: () => socket.destroy(),
      hangUp: () => {
        session.closed = true;
        socket.end();
      },
    };
    sessions.push(session);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      session.closed = true;
      stats.open--;
      sockets.delete(socket);
    });
    handleSession(socket, session, options);
    const greeting = options.greeting ? options.greeting(session) : '220 fake.test ESMTP';
    if (greeting !== null) session.write(`${greeting}\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port, sessions, stats, close };
}

const cleanups = cleanupAfterEach();

async function fake(options: FakeOptions = {}): Promise<Fake> {
  const f = await startFake(options);
  cleanups.push(() => f.close());
  return f;
}

function pool(port: number, overrides: Partial<PoolOptions> = {}): SmtpPool {
  const p = new SmtpPool({
    session: {
      endpoint: { host: '127.0.0.1', port, tls: { rejectUnauthorized: true } },
      security: 'none',
      heloName: 'postbode.test',
      connectTimeoutMs: 1_000,
    },
    maxConnections: 5,
    sendTimeoutMs: 2_000,
    logger: pino({ level: 'silent' }),
    closeGraceMs: 100,
    ...overrides,
  });
  cleanups.push(() => p.close());
  return p;
}

const body = Buffer.from('Subject: test\r\n\r\n.dotted line\r\nbody\r\n');
const one: Envelope = { from: 'billing@sender.test', to: ['a@dest.test'] };
const outcomes = (to: readonly string[], answers: readonly RecipientAnswer[]) =>
  resultsFromAnswers(to, answers).map((r) => [r.address, r.outcome, replyLine(r.reply)]);

describe('smtp client pool: pipelining', () => {
  it("sends MAIL, every RCPT and DATA without waiting, then keeps each recipient's own outcome", async () => {
    const refusals: Record<string, string> = {
      'b@dest.test': '550 5.1.1 No such user',
      'c@dest.test': '451 4.7.1 Greylisted',
    };
    const f = await fake({
      holdUntilData: true,
      command: (line) => (line.startsWith('RCPT') ? refusals[line.slice(9, -1)] : undefined),
    });
    const to = ['a@dest.test', 'b@dest.test', 'c@dest.test', 'd@dest.test'];
    const answers = await pool(f.port).send({ from: 'billing@sender.test', to }, body);

    // the fake answered nothing before DATA arrived: a client waiting for replies would have hung
    expect(f.sessions[0]!.commands).toEqual([
      'EHLO postbode.test',
      'MAIL FROM:<billing@sender.test>',
      'RCPT TO:<a@dest.test>',
      'RCPT TO:<b@dest.test>',
      'RCPT TO:<c@dest.test>',
      'RCPT TO:<d@dest.test>',
      'DATA',
    ]);
    expect(outcomes(to, answers)).toEqual([
      ['a@dest.test', 'delivered', '250 2.0.0 Ok: queued as 1.1'],
      ['b@dest.test', 'bounced', '550 5.1.1 No such user'],
      ['c@dest.test', 'deferred', '451 4.7.1 Greylisted'],
      ['d@dest.test', 'delivered', '250 2.0.0 Ok: queued as 1.1'],
    ]);
    expect(f.sessions[0]!.messages).toEqual([Buffer.from('Subject: test\r\n\r\n..dotted line\r\nbody\r\n')]);
  });

  it('sends one command at a time when the server does not offer PIPELINING', async () => {
    const f = await fake({
      ehlo: ['8BITMIME'],
      command: (line) => (line === 'RCPT TO:<b@dest.test>' ? '550 5.1.1 No' : undefined),
    });
    const to = ['a@dest.test', 'b@dest.test'];
    const p = pool(f.port);
    const answers = await p.send({ from: 'billing@sender.test', to }, body);
    await p.send(one, body);

    expect(outcomes(to, answers).map(([, outcome]) => outcome)).toEqual(['delivered', 'bounced']);
    expect(f.sessions[0]!.pipelinedChunks).toBe(0);
    expect(f.sessions[0]!.commands.filter((c) => c === 'DATA')).toHaveLength(2);
    expect(f.sessions[0]!.messages).toHaveLength(2);
  });

  it('sends RSET instead of a body when every recipient was refused, and reuses the connection', async () => {
    const f = await fake({
      command: (line) => {
        if (line.startsWith('RCPT')) return line.includes('slow') ? '451 4.7.1 Later' : '550 5.1.1 No such user';
        return line === 'DATA' ? '554 5.5.1 No valid recipients' : undefined;
      },
    });
    const p = pool(f.port);
    const to = ['gone@dest.test', 'slow@dest.test'];
    const answers = await p.send({ from: 'billing@sender.test', to }, body);
    expect(outcomes(to, answers)).toEqual([
      ['gone@dest.test', 'bounced', '550 5.1.1 No such user'],
      ['slow@dest.test', 'deferred', '451 4.7.1 Later'],
    ]);
    expect(f.sessions[0]!.commands.slice(-2)).toEqual(['DATA', 'RSET']);
    expect(f.sessions[0]!.messages).toHaveLength(0);

    await p.send({ from: 'billing@sender.test', to: ['gone@dest.test'] }, body);
    expect(f.sessions).toHaveLength(1);
    expect(f.sessions[0]!.commands.filter((c) => c === 'RSET')).toHaveLength(2);
  });

  it('closes the connection instead of sending a body when DATA is accepted without recipients', async () => {
    const f = await fake({ command: (line) => (line.startsWith('RCPT') ? '550 5.1.1 No such user' : undefined) });
    const p = pool(f.port);
    const answers = await p.send(one, body);
    expect(outcomes(one.to, answers)[0]).toEqual(['a@dest.test', 'bounced', '550 5.1.1 No such user']);
    await waitFor(() => f.sessions[0]!.closed, 8_000, 'the connection to close');
    expect(f.sessions[0]!.messages).toHaveLength(0);
    expect(f.sessions[0]!.commands).not.toContain('RSET');
  });

  it('gives every recipient the MAIL refusal, not the "need MAIL" replies that follow it', async () => {
    const f = await fake({
      command: (line) => {
        if (line.startsWith('MAIL')) return '451 4.3.0 Sender check unavailable';
        return line.startsWith('RCPT') || line === 'DATA' ? '503 5.5.1 Error: need MAIL command' : undefined;
      },
    });
    const to = ['a@dest.test', 'b@dest.test'];
    const answers = await pool(f.port).send({ from: 'billing@sender.test', to }, body);
    expect(outcomes(to, answers).map(([, outcome, reply]) => [outcome, reply])).toEqual([
      ['deferred', '451 4.3.0 Sender check unavailable'],
      ['deferred', '451 4.3.0 Sender check unavailable'],
    ]);
  });

  it('gives the commands a 421 left unanswered that 421, not "connection closed"', async () => {
    const f = await fake({
      command: (line, s) => {
        if (line !== 'RCPT TO:<b@dest.test>') return undefined;
        s.write('421 4.3.2 Shutting down\r\n');
        s.hangUp();
        return null;
      },
    });
    const to = ['a@dest.test', 'b@dest.test', 'c@dest.test'];
    const answers = await pool(f.port).send({ from: 'billing@sender.test', to }, body);
    expect(outcomes(to, answers).map(([, outcome, reply]) => [outcome, reply])).toEqual([
      ['deferred', '421 4.3.2 Shutting down'],
      ['deferred', '421 4.3.2 Shutting down'],
      ['deferred', '421 4.3.2 Shutting down'],
    ]);
    expect(f.sessions[0]!.messages).toHaveLength(0);
  });

  it('gives accepted recipients the DATA refusal and resets', async () => {
    const f = await fake({
      command: (line) =>
        line === 'DATA' ? '451 4.3.0 Queue trouble' : line.includes('<b@') ? '550 5.1.1 No' : undefined,
    });
    const to = ['a@dest.test', 'b@dest.test'];
    const answers = await pool(f.port).send({ from: 'billing@sender.test', to }, body);
    expect(outcomes(to, answers).map(([, outcome, reply]) => [outcome, reply])).toEqual([
      ['deferred', '451 4.3.0 Queue trouble'],
      ['bounced', '550 5.1.1 No'],
    ]);
    expect(f.sessions[0]!.commands.at(-1)).toBe('RSET');
  });

  it('refuses an over-long reply line as a protocol error and drops the connection', async () => {
    const f = await fake({ command: (line) => (line.startsWith('MAIL') ? `250 ${'x'.repeat(5_000)}` : undefined) });
    const answers = await pool(f.port).send(one, body);
    expect(outcomes(one.to, answers)).toEqual([
      ['a@dest.test', 'deferred', 'EPROTOCOL: reply line longer than 4096 bytes'],
    ]);
    await waitFor(() => f.sessions[0]!.closed, 8_000, 'the connection to close');
    expect(f.sessions[0]!.messages).toHaveLength(0);
  });
});

describe('smtp client pool: stale connections', () => {
  it('retries once on a fresh connection when a pooled one closes before any reply to the message', async () => {
    const f = await fake({
      // the first connection dies at its second MAIL, like a server idle timeout racing our write
      command: (line, s) => {
        if (s.id === 1 && line.startsWith('MAIL') && s.messages.length === 1) {
          s.destroy();
          return null;
        }
        return undefined;
      },
    });
    const p = pool(f.port);
    await p.send(one, body);
    const answers = await p.send({ from: 'billing@sender.test', to: ['b@dest.test'] }, body);

    expect(outcomes(['b@dest.test'], answers)).toEqual([['b@dest.test', 'delivered', '250 2.0.0 Ok: queued as 2.1']]);
    expect(f.sessions.map((s) => s.messages.length)).toEqual([1, 1]);
  });

  it('does not retry a second time when the fresh connection fails too', async () => {
    const f = await fake({
      greeting: (s) => {
        if (s.id > 1) {
          s.destroy();
          return null;
        }
        return '220 fake.test';
      },
      command: (line, s) => {
        if (line.startsWith('MAIL') && s.messages.length === 1) {
          s.destroy();
          return null;
        }
        return undefined;
      },
    });
    const p = pool(f.port);
    await p.send(one, body);
    const answers = await p.send(one, body);
    expect(resultsFromAnswers(one.to, answers)[0]).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/ECONNECTION|ECONNRESET/),
    });
    expect(f.sessions).toHaveLength(2);
  });

  it('does not retry when the server answered before dropping the connection (not stale, broken)', async () => {
    const f = await fake({
      command: (line, s) => {
        // the MAIL reply is out before the drop (a destroy at once could discard it with an RST)
        if (line.startsWith('RCPT') && s.messages.length === 1) {
          setTimeout(() => s.destroy(), 20);
          return null;
        }
        return undefined;
      },
    });
    const p = pool(f.port);
    await p.send(one, body);
    const answers = await p.send(one, body);
    expect(resultsFromAnswers(one.to, answers)[0]!.outcome).toBe('deferred');
    expect(f.sessions).toHaveLength(1);
  });

  it('never retries once the body has started: the connection drops during DATA → deferred, sent once', async () => {
    let dataCommands = 0;
    const f = await fake({
      command: (line, s) => {
        if (line === 'DATA') dataCommands++;
        if (line === 'DATA' && s.messages.length === 1) {
          setTimeout(() => s.destroy(), 5);
          return '354 go ahead';
        }
        return undefined;
      },
      message: () => '250 2.0.0 Ok',
    });
    const p = pool(f.port);
    await p.send(one, body);
    const answers = await p.send(one, Buffer.alloc(2_000_000, 'y'));
    expect(resultsFromAnswers(one.to, answers)[0]).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/ECONNECTION|ECONNRESET|EPIPE/),
    });
    expect(dataCommands).toBe(2);
    expect(f.sessions).toHaveLength(1);
  });

  it('drops an idle connection the server closed, and opens a new one for the next message', async () => {
    const f = await fake({
      message: (_b, s) => {
        setTimeout(() => s.destroy(), 5);
        return '250 2.0.0 Ok';
      },
    });
    const p = pool(f.port);
    await p.send(one, body);
    await waitFor(() => p.stats().open === 0, 8_000, 'the pool to notice the close');
    const answers = await p.send(one, body);
    expect(resultsFromAnswers(one.to, answers)[0]!.outcome).toBe('delivered');
    expect(f.sessions).toHaveLength(2);
  });

  it('drops an idle connection that gets an unsolicited 421', async () => {
    const f = await fake({
      message: (_b, s) => {
        setTimeout(() => s.write('421 4.4.2 Idle timeout\r\n'), 5);
        return '250 2.0.0 Ok';
      },
    });
    const p = pool(f.port);
    await p.send(one, body);
    await waitFor(() => f.sessions[0]!.closed, 8_000, 'the client to close after the 421');
    expect(resultsFromAnswers(one.to, await p.send(one, body))[0]!.outcome).toBe('delivered');
    expect(f.sessions).toHaveLength(2);
  });
});

describe('smtp client pool: connections', () => {
  it('serves waiting messages first come, first served', async () => {
    const f = await fake();
    const p = pool(f.port, { maxConnections: 1 });
    const senders = Array.from({ length: 6 }, (_, i) => `s${i}@sender.test`);
    await Promise.all(senders.map((from) => p.send({ from, to: ['a@dest.test'] }, body)));
    expect(f.sessions).toHaveLength(1);
    expect(f.sessions[0]!.commands.filter((c) => c.startsWith('MAIL'))).toEqual(senders.map((s) => `MAIL FROM:<${s}>`));
  });

  it('opens no more than maxConnections', async () => {
    const f = await fake({
      message: () => null,
      command: (line, s) => {
        if (line !== 'DATA') return undefined;
        setTimeout(() => s.write(`250 2.0.0 Ok: queued as ${s.id}\r\n`), 20);
        return '354 go ahead';
      },
    });
    const p = pool(f.port, { maxConnections: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => p.send(one, body)));
    expect(answers.every((a) => resultsFromAnswers(one.to, a)[0]!.outcome === 'delivered')).toBe(true);
    expect(f.stats.maxOpen).toBe(3);
    expect(f.sessions).toHaveLength(3);
  });

  it('replaces a connection after maxMessagesPerConnection messages, with a QUIT', async () => {
    const f = await fake();
    const p = pool(f.port, { maxConnections: 1, maxMessagesPerConnection: 2 });
    for (let i = 0; i < 5; i++) await p.send(one, body);
    await waitFor(() => f.sessions.length === 3 && f.sessions[1]!.closed, 8_000, 'three sessions');
    expect(f.sessions.map((s) => s.messages.length)).toEqual([2, 2, 1]);
    expect(f.sessions[0]!.commands.at(-1)).toBe('QUIT');
    expect(f.sessions[1]!.commands.at(-1)).toBe('QUIT');
  });

  it('closes a connection idle for idleTimeoutMs with a QUIT', async () => {
    const f = await fake();
    const p = pool(f.port, { idleTimeoutMs: 50 });
    await p.send(one, body);
    expect(p.stats()).toMatchObject({ open: 1, idle: 1 });
    await waitFor(() => f.sessions[0]!.closed, 8_000, 'the idle connection to close');
    expect(f.sessions[0]!.commands.at(-1)).toBe('QUIT');
    expect(p.stats()).toMatchObject({ open: 0, idle: 0 });
  });

  it('keeps a connection that is used more often than the idle timeout', async () => {
    const f = await fake();
    const p = pool(f.port, { idleTimeoutMs: 300 });
    for (let i = 0; i < 6; i++) {
      await p.send(one, body);
      await expectNothingFor(100, () => f.sessions.length === 1 && !f.sessions[0]!.closed, 'the connection to stay');
    }
    expect(f.sessions).toHaveLength(1);
    expect(f.sessions[0]!.messages).toHaveLength(6);
  });

  it('close() QUITs idle connections, answers waiting messages, ends busy ones after the grace', async () => {
    const f = await fake({ message: (b) => (b.includes('stall') ? null : '250 2.0.0 Ok') });
    const p = pool(f.port, { maxConnections: 2, closeGraceMs: 100 });
    await p.send(one, body);
    const stalled = p.send(one, Buffer.from('stall\r\n'));
    const waiting = p.send(one, Buffer.from('stall too\r\n'));
    const third = p.send(one, body);
    await waitFor(
      () => f.sessions.length === 2 && f.sessions.every((s) => s.commands.includes('DATA')),
      8_000,
      'both connections busy',
    );

    const started = Date.now();
    await p.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    const replies = (await Promise.all([stalled, waiting, third])).map((a) => resultsFromAnswers(one.to, a)[0]);
    expect(replies.map((r) => r!.outcome)).toEqual(['deferred', 'deferred', 'deferred']);
    expect(replyLine(replies[2]!.reply)).toBe('ECONNECTION: SMTP pool is closed');
    expect(f.sessions.every((s) => s.closed)).toBe(true);
    expect(replyLine(resultsFromAnswers(one.to, await p.send(one, body))[0]!.reply)).toBe(
      'ECONNECTION: SMTP pool is closed',
    );
  });
});

describe('smtp client pool: timeouts and failures', () => {
  it('times out a send whose server trickles its reply, and destroys the connection', async () => {
    const f = await fake({
      message: (_b, s) => {
        const reply = '250 2.0.0 Ok: queued after a very long time';
        let i = 0;
        const drip = setInterval(() => {
          if (s.closed || i >= reply.length) clearInterval(drip);
          else s.write(reply[i++]!);
        }, 20);
        return null;
      },
    });
    const started = Date.now();
    const answers = await pool(f.port, { sendTimeoutMs: 200 }).send(one, body);
    const elapsed = Date.now() - started;
    expect(outcomes(one.to, answers)).toEqual([['a@dest.test', 'deferred', 'ETIMEDOUT: send timed out after 200 ms']]);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(800);
    await waitFor(() => f.sessions[0]!.closed, 8_000, 'the connection to be destroyed');
  });

  it('times out messages still waiting for a connection', async () => {
    const f = await fake({ message: () => null });
    const p = pool(f.port, { maxConnections: 1, sendTimeoutMs: 150 });
    const [first, second] = await Promise.all([p.send(one, body), p.send(one, body)]);
    expect(replyLine(resultsFromAnswers(one.to, first!)[0]!.reply)).toBe('ETIMEDOUT: send timed out after 150 ms');
    expect(replyLine(resultsFromAnswers(one.to, second!)[0]!.reply)).toBe('ETIMEDOUT: send timed out after 150 ms');
    expect(f.sessions[0]!.messages).toHaveLength(1);
  });

  it('fails with the greeting when it is not 220, and after connectTimeoutMs when there is none', async () => {
    const busy = await fake({ greeting: () => '421 4.3.2 Try again later' });
    const answers = await pool(busy.port).send(one, body);
    expect(outcomes(one.to, answers)).toEqual([['a@dest.test', 'deferred', '421 4.3.2 Try again later']]);

    const mute = await fake({ greeting: () => null });
    const started = Date.now();
    const silent = await pool(mute.port, {
      session: {
        endpoint: { host: '127.0.0.1', port: mute.port, tls: { rejectUnauthorized: true } },
        security: 'none',
        heloName: 'postbode.test',
        connectTimeoutMs: 100,
      },
    }).send(one, body);
    expect(outcomes(one.to, silent)).toEqual([['a@dest.test', 'deferred', 'ETIMEDOUT: no greeting within 100 ms']]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('falls back to HELO when EHLO is not understood', async () => {
    const f = await fake({
      command: (line) => (line.startsWith('EHLO') ? '502 5.5.2 Command not recognized' : undefined),
    });
    const answers = await pool(f.port).send(one, body);
    expect(resultsFromAnswers(one.to, answers)[0]!.outcome).toBe('delivered');
    expect(f.sessions[0]!.commands.slice(0, 3)).toEqual([
      'EHLO postbode.test',
      'HELO postbode.test',
      'MAIL FROM:<billing@sender.test>',
    ]);
  });

  it('refuses bytes sent along with the STARTTLS reply (STARTTLS injection)', async () => {
    const f = await fake({
      ehlo: ['PIPELINING', 'STARTTLS'],
      command: (line) => (line === 'STARTTLS' ? '220 Ready\r\n250 injected' : undefined),
    });
    const answers = await pool(f.port, {
      session: {
        endpoint: { host: '127.0.0.1', port: f.port, tls: { rejectUnauthorized: true } },
        security: 'starttls',
        heloName: 'postbode.test',
        connectTimeoutMs: 1_000,
      },
    }).send(one, body);
    expect(outcomes(one.to, answers)).toEqual([
      ['a@dest.test', 'deferred', 'ETLS: server sent data after its STARTTLS reply'],
    ]);
  });

  it('goes on in plain text when opportunistic STARTTLS is refused, and defers when it was required', async () => {
    const f = await fake({
      ehlo: ['PIPELINING', 'STARTTLS'],
      command: (line) => (line === 'STARTTLS' ? '454 4.7.0 TLS not available' : undefined),
    });
    const settings = (security: 'opportunistic' | 'starttls') => ({
      session: {
        endpoint: { host: '127.0.0.1', port: f.port, tls: { rejectUnauthorized: true } },
        security,
        heloName: 'postbode.test',
        connectTimeoutMs: 1_000,
      },
    });
    const plain = await pool(f.port, settings('opportunistic')).send(one, body);
    expect(resultsFromAnswers(one.to, plain)[0]!.outcome).toBe('delivered');
    expect(f.sessions[0]!.commands.slice(0, 3)).toEqual([
      'EHLO postbode.test',
      'STARTTLS',
      'MAIL FROM:<billing@sender.test>',
    ]);

    const required = await pool(f.port, settings('starttls')).send(one, body);
    expect(outcomes(one.to, required)).toEqual([['a@dest.test', 'deferred', '454 4.7.0 TLS not available']]);
    expect(f.sessions[1]!.messages).toHaveLength(0);
  });

  it('answers without connecting for an empty envelope or an address that would break the command', async () => {
    const f = await fake();
    const p = pool(f.port);
    expect(await p.send({ from: 'a@x.test', to: [] }, body)).toEqual([]);
    const answers = await p.send({ from: 'a@x.test', to: ['b@y.test>\r\nRCPT TO:<c@z.test'] }, body);
    expect(resultsFromAnswers(['b'], answers)[0]).toMatchObject({
      outcome: 'bounced',
      reply: replyMatching(/^EENVELOPE: Invalid recipient/),
    });
    expect(f.sessions).toHaveLength(0);
  });
});
