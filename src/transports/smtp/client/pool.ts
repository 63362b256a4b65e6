import type { Logger } from '../../../core/logger.js';
import type { Envelope } from '../../../core/types.js';
import { NO_CAPABILITIES, type Capabilities } from './capabilities.js';
import { clientError, markUnreached } from './client-errors.js';
import { SmtpConnection, type Endpoint, type TlsOutcome } from './connection.js';
import { envelopeError } from './envelope-commands.js';
import { handshake, type SessionSettings } from './handshake.js';
import { sendMessage, type RecipientAnswer } from './transaction.js';

/**
 * Up to `maxConnections` SMTP connections to one host. A message takes an idle connection or
 * opens a new one; when all are busy it waits, first come first served. `send` never
 * rejects: every failure comes back as the answer of each recipient.
 */
export interface PoolOptions {
  readonly session: SessionSettings;
  readonly maxConnections: number;
  /** Bound on one message from `send` to its answers, waiting for a connection included. */
  readonly sendTimeoutMs: number;
  readonly logger: Logger;
  /** Idle connections are closed after this long (servers drop them after ~60 s). */
  readonly idleTimeoutMs?: number;
  /** A connection is replaced after this many messages. */
  readonly maxMessagesPerConnection?: number;
  /** How long `close` lets busy connections finish their message. */
  readonly closeGraceMs?: number;
}

export interface PoolStats {
  /** Connections open or opening. */
  readonly open: number;
  readonly idle: number;
  readonly waiting: number;
}

/** A message's answers and how the session that carried them was secured (none when no session started). */
export interface PoolResult {
  readonly answers: RecipientAnswer[];
  readonly tls?: TlsOutcome;
  /** Why that session stayed in plain text. */
  readonly plainReason?: string;
}

interface Job {
  readonly envelope: Envelope;
  readonly raw: Buffer;
  readonly resolve: (result: PoolResult) => void;
  timer: NodeJS.Timeout | undefined;
  /** The connection carrying (or opening for) this message. */
  slot: Slot | undefined;
  settled: boolean;
  /** Already moved once off a connection that turned out stale. */
  retried: boolean;
}

interface Slot {
  readonly conn: SmtpConnection;
  caps: Capabilities;
  idleTimer: NodeJS.Timeout | undefined;
}

const DEFAULTS = { idleTimeoutMs: 30_000, maxMessagesPerConnection: 10_000, closeGraceMs: 1_000 };

const answerAll = (envelope: Envelope, err: Error): RecipientAnswer[] => envelope.to.map(() => err);

export class SmtpPool {
  private readonly slots = new Set<Slot>();
  /** Most recently used last: reuse the warmest connection and let the others idle out. */
  private readonly idle: Slot[] = [];
  private readonly waiting: Job[] = [];
  /** Every connection whose socket has not closed yet, quitting ones included. */
  private readonly sockets = new Set<SmtpConnection>();
  private readonly settings: Required<Omit<PoolOptions, 'session' | 'logger'>>;
  private readonly nextHop: string;
  private closing = false;
  private pumping = false;
  /** Connections whose target is still being resolved: they count against the limit. */
  private resolving = 0;

  constructor(private readonly options: PoolOptions) {
    this.settings = {
      maxConnections: options.maxConnections,
      sendTimeoutMs: options.sendTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      maxMessagesPerConnection: options.maxMessagesPerConnection ?? DEFAULTS.maxMessagesPerConnection,
      closeGraceMs: options.closeGraceMs ?? DEFAULTS.closeGraceMs,
    };
    const { endpoint } = options.session;
    this.nextHop = `${endpoint.host}:${endpoint.port}`;
  }

  send(envelope: Envelope, raw: Buffer): Promise<RecipientAnswer[]> {
    return this.sendReporting(envelope, raw).then((result) => result.answers);
  }

  /** `send`, also saying how the session was secured (for the message log and TLS reports). */
  sendReporting(envelope: Envelope, raw: Buffer): Promise<PoolResult> {
    if (envelope.to.length === 0) return Promise.resolve({ answers: [] });
    const refused = this.closing ? clientError('ECONNECTION', 'SMTP pool is closed') : envelopeError(envelope);
    if (refused !== undefined) return Promise.resolve({ answers: answerAll(envelope, refused) });
    return new Promise((resolve) => {
      const job: Job = { envelope, raw, resolve, timer: undefined, slot: undefined, settled: false, retried: false };
      job.timer = setTimeout(this.timedOut, this.settings.sendTimeoutMs, job);
      job.timer.unref();
      this.waiting.push(job);
      this.pump();
    });
  }

  stats(): PoolStats {
    return { open: this.slots.size, idle: this.idle.length, waiting: this.waiting.length };
  }

  /** QUITs idle connections, lets busy ones finish within the grace, resolves once all are closed. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = clientError('ECONNECTION', 'SMTP pool is closed');
    for (const job of this.waiting.splice(0)) this.settle(job, answerAll(job.envelope, closed));
    for (const slot of [...this.idle]) slot.conn.quit();
    const grace = setTimeout(() => {
      for (const slot of [...this.slots]) slot.conn.destroy(closed);
    }, this.settings.closeGraceMs);
    await Promise.all([...this.sockets].map((conn) => conn.closed));
    clearTimeout(grace);
  }

  /** Hands waiting messages to idle connections, opening new ones up to the limit. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0 && !this.closing) {
        const job = this.waiting[0]!;
        // a retried message goes on a fresh connection: the idle ones may be just as stale
        const slot = job.retried ? undefined : this.idle.pop();
        const full = this.slots.size + this.resolving >= this.settings.maxConnections;
        if (slot === undefined && full && !(job.retried && this.evictIdle())) return;
        this.waiting.shift();
        if (slot !== undefined) void this.run(job, slot);
        else this.open(job);
      }
    } finally {
      this.pumping = false;
    }
  }

  private evictIdle(): boolean {
    const oldest = this.idle[0];
    oldest?.conn.quit(); // leaves the pool at once (gone), freeing its place
    return oldest !== undefined;
  }

  /**
   * Opens a connection for `job`, to the address the session's `resolveTarget` checked when
   * it has one (pinned: the socket goes to that IP, never to a second lookup of the name).
   */
  private open(job: Job): void {
    const { session } = this.options;
    if (session.resolveTarget === undefined) return this.connect(job, session.endpoint);
    this.resolving++;
    session.resolveTarget(session.endpoint.host).then(
      (addresses) => {
        this.resolving--;
        if (this.closing) this.settle(job, answerAll(job.envelope, clientError('ECONNECTION', 'SMTP pool is closed')));
        else if (!job.settled) this.connect(job, { ...session.endpoint, address: addresses[0]! });
        this.pump();
      },
      (err: unknown) => {
        this.resolving--;
        this.options.logger.debug({ err, nextHop: this.nextHop }, 'smtp target refused or not found');
        this.settle(job, answerAll(job.envelope, err as Error));
        this.pump();
      },
    );
  }

  /** A failed connect or handshake is that message's answer, marked as never having reached the host. */
  private connect(job: Job, endpoint: Endpoint): void {
    const { session } = this.options;
    const conn = SmtpConnection.open(endpoint, session.security === 'implicit', () => this.gone(slot), session.dial);
    const slot: Slot = { conn, caps: NO_CAPABILITIES, idleTimer: undefined };
    this.slots.add(slot);
    this.sockets.add(slot.conn);
    void slot.conn.closed.then(() => this.sockets.delete(slot.conn));
    job.slot = slot;
    handshake(slot.conn, session).then(
      (caps) => {
        slot.caps = caps;
        void this.run(job, slot);
      },
      (err: unknown) => {
        this.options.logger.debug({ err, nextHop: this.nextHop }, 'smtp connection failed');
        slot.conn.destroy(err as Error);
        this.settle(job, answerAll(job.envelope, markUnreached(err as Error)));
      },
    );
  }

  private async run(job: Job, slot: Slot): Promise<void> {
    if (job.settled) return this.release(slot);
    const { conn } = slot;
    job.slot = slot;
    conn.idle = false;
    const repliesBefore = conn.repliesRead;
    try {
      const answers = await sendMessage(conn, slot.caps, job.envelope, job.raw);
      conn.messages++;
      this.settle(job, answers);
      this.release(slot);
    } catch (err) {
      conn.destroy(err as Error);
      // stale: a reused connection died before the server said anything about this message
      const stale = conn.messages > 0 && conn.repliesRead === repliesBefore;
      if (stale && !job.retried && !job.settled && !this.closing) return this.retry(job, err);
      this.settle(job, answerAll(job.envelope, err as Error));
    }
  }

  private retry(job: Job, err: unknown): void {
    this.options.logger.debug(
      { err, nextHop: this.nextHop },
      'pooled smtp connection was stale, retrying on a fresh one',
    );
    job.retried = true;
    job.slot = undefined;
    this.waiting.unshift(job);
    this.pump();
  }

  /** After a message: idle again, or QUIT when the connection has carried enough. */
  private release(slot: Slot): void {
    const { conn } = slot;
    if (!conn.usable) return;
    if (this.closing || conn.messages >= this.settings.maxMessagesPerConnection) return conn.quit();
    conn.idle = true;
    if (slot.idleTimer === undefined) {
      slot.idleTimer = setTimeout(() => {
        if (conn.idle) conn.quit();
      }, this.settings.idleTimeoutMs);
      slot.idleTimer.unref();
    } else {
      slot.idleTimer.refresh(); // re-arms the same timer: no allocation per message
    }
    this.idle.push(slot);
    this.pump();
  }

  /** The connection broke or quit: it leaves the pool and frees its place. */
  private gone(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.idleTimer);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    this.pump();
  }

  /** A bound function, so that arming a send timer allocates no closure. */
  private readonly timedOut = (job: Job): void => {
    const err = clientError('ETIMEDOUT', `send timed out after ${this.settings.sendTimeoutMs} ms`);
    const i = this.waiting.indexOf(job);
    if (i >= 0) this.waiting.splice(i, 1);
    const slot = job.slot;
    this.settle(job, answerAll(job.envelope, err));
    slot?.conn.destroy(err);
  };

  private settle(job: Job, answers: RecipientAnswer[]): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    const conn = job.slot?.conn;
    job.slot = undefined;
    const tls = conn?.tls;
    const plainReason = tls === undefined ? conn?.plainReason : undefined;
    job.resolve({
      answers,
      ...(tls === undefined ? {} : { tls }),
      ...(plainReason === undefined ? {} : { plainReason }),
    });
  }
}
