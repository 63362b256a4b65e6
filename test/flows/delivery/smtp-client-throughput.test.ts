import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/core/types.js';
import { SmtpPool } from '../../../src/transports/smtp/client/pool.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';

/**
 * 2 000 messages of 100 KB through 20 pooled connections to an in-process smtp-server that
 * discards what it gets, once with our client and once with nodemailer's pool, in the same
 * run so that a noisy machine hurts both alike. Process CPU counts client and sink; the main
 * thread's CPU counts the client alone.
 */
const MESSAGES = 2_000;
const CONNECTIONS = 20;
const WARMUP = 200;

const cleanups = cleanupAfterEach();

/** ~100 KB like an invoice mail: headers, a text part, a base64 PDF, a few dot lines. */
function invoiceMessage(): Buffer {
  const pdf = randomBytes(74_000).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Billing <billing@sender.test>',
      'To: customer@dest.test',
      'Subject: Invoice 42',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Dear customer,',
      '.',
      '..two dots',
      'Regards',
      '',
      '--b1',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      '',
      pdf,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/**
 * smtp-server in a worker thread of this process, discarding what it receives. The sink's CPU
 * still counts in process.cpuUsage(), but the main thread runs only the client, so its own
 * CPU time (Linux /proc) is what the client costs.
 */
const SINK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { SMTPServer } = require(workerData.smtpServer);
let received = 0;
const server = new SMTPServer({
  authOptional: true, disableReverseLookup: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 50,
  onData(stream, session, cb) { stream.on('end', () => { received++; cb(); }); stream.resume(); },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ received });
  if (m === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
`;

interface SinkWorker {
  readonly port: number;
  received(): Promise<number>;
}

function ask<T>(worker: Worker, message: string | undefined, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, T>) => {
      if (!(key in reply)) return;
      worker.off('message', onMessage);
      resolve(reply[key]!);
    };
    worker.on('message', onMessage);
    if (message !== undefined) worker.postMessage(message);
  });
}

async function discardingSink(): Promise<SinkWorker> {
  const smtpServer = createRequire(import.meta.url).resolve('smtp-server');
  const worker = new Worker(SINK_WORKER, { eval: true, workerData: { smtpServer } });
  const port = await ask<number>(worker, undefined, 'port');
  cleanups.push(async () => {
    await ask(worker, 'close', 'closed');
    await worker.terminate();
  });
  return { port, received: () => ask<number>(worker, 'count', 'received') };
}

/** CPU time of this thread alone in µs (Linux, 100 ticks/s), or undefined elsewhere. */
function threadCpuMicros(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}

interface Run {
  readonly msgPerSecond: number;
  /** Whole process: client, sink worker, GC threads. */
  readonly cpuMicrosPerMessage: number;
  /** The main thread only: the client. */
  readonly clientMicrosPerMessage: number | undefined;
  readonly delivered: number;
}

async function measure(count: number, sendOne: () => Promise<boolean>): Promise<Run> {
  const cpu = process.cpuUsage();
  const thread = threadCpuMicros();
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: count }, sendOne));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const threadAfter = threadCpuMicros();
  return {
    msgPerSecond: Math.round(count / seconds),
    cpuMicrosPerMessage: Math.round((used.user + used.system) / count),
    clientMicrosPerMessage:
      thread !== undefined && threadAfter !== undefined ? Math.round((threadAfter - thread) / count) : undefined,
    delivered: results.filter(Boolean).length,
  };
}

describe('smtp client throughput', () => {
  it('relays 2 000 messages of 100 KB over 20 connections with less CPU than nodemailer', {
    timeout: 90_000,
  }, async () => {
    const sink = await discardingSink();
    const raw = invoiceMessage();
    const envelope: Envelope = { from: 'billing@sender.test', to: ['customer@dest.test'] };

    const ours = new SmtpPool({
      session: {
        endpoint: { host: '127.0.0.1', port: sink.port, tls: { rejectUnauthorized: true } },
        security: 'none',
        heloName: 'postbode.test',
        connectTimeoutMs: 5_000,
      },
      maxConnections: CONNECTIONS,
      sendTimeoutMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => ours.close());
    const sendOurs = async () => {
      const [answer] = await ours.send(envelope, raw);
      return answer !== undefined && !(answer instanceof Error) && answer.code === 250;
    };

    const theirs = createTransport({
      pool: true,
      host: '127.0.0.1',
      port: sink.port,
      maxConnections: CONNECTIONS,
      maxMessages: 10_000,
      ignoreTLS: true,
      name: 'postbode.test',
      logger: false,
    });
    cleanups.push(async () => theirs.close());
    const sendTheirs = async () => {
      const info = await theirs.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw });
      return info.accepted.length === 1;
    };

    // warm-up: JIT and connections for both, outside the measurement
    await measure(WARMUP, sendOurs);
    await measure(WARMUP, sendTheirs);
    const mine = await measure(MESSAGES, sendOurs);
    const nodemailer = await measure(MESSAGES, sendTheirs);
    const line = (name: string, run: Run) =>
      `${name}: ${run.msgPerSecond} msg/s, ${run.cpuMicrosPerMessage} µs CPU/msg ` +
      `(process), ${run.clientMicrosPerMessage ?? 'n/a'} µs CPU/msg (client thread)`;
    console.log(
      `${MESSAGES} x ${raw.length} B over ${CONNECTIONS} connections, sink in a worker thread\n` +
        `${line('smtp client    ', mine)}\n${line('nodemailer pool', nodemailer)}`,
    );

    expect(mine.delivered).toBe(MESSAGES);
    expect(nodemailer.delivered).toBe(MESSAGES);
    expect(await sink.received()).toBe(2 * (MESSAGES + WARMUP));
    expect(mine.cpuMicrosPerMessage).toBeLessThanOrEqual(1.2 * nodemailer.cpuMicrosPerMessage);
    if (mine.clientMicrosPerMessage !== undefined && nodemailer.clientMicrosPerMessage !== undefined) {
      expect(mine.clientMicrosPerMessage).toBeLessThanOrEqual(1.2 * nodemailer.clientMicrosPerMessage);
    }
  });
});
