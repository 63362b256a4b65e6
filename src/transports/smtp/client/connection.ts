import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { clientError, closedError, isSocketError, tlsError } from './client-errors.js';
import { ReplyParser, type ServerReply } from './reply-parser.js';

/**
 * One SMTP connection's transport: a socket (plain, implicit TLS, or upgraded by STARTTLS),
 * the replies it has received, and the first failure, which ends it. It knows no commands;
 * handshake.ts and transaction.ts speak through `write`/`read`.
 */

/** Certificate checking for this hop; credentials never come through here. */
export interface TlsSettings {
  readonly rejectUnauthorized: boolean;
  readonly ca?: readonly Buffer[];
  /**
   * A check of the presented certificate after the handshake (DANE's TLSA match): an error ends the connection
   * before any command goes over it.
   */
  readonly check?: (socket: TLSSocket) => Error | undefined;
}

/** What the TLS handshake of a connection gave, for the message log and TLS reports. */
export interface TlsOutcome {
  readonly version: string;
  readonly cipher: string;
  /** The chain led to a trusted root and named the host. */
  readonly verified: boolean;
  /** Why it was not verified (Node's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID). */
  readonly why?: string;
}

export interface Endpoint {
  readonly host: string;
  /** The checked IP to connect to (target-guard.ts); `host` then only names the server for SNI and the certificate. */
  readonly address?: string;
  readonly port: number;
  readonly tls: TlsSettings;
  /** Our source address (a configured bind address per family); the system picks one when unset. */
  readonly localAddress?: string;
}

/** Opens the TCP connection (node:net by default); injected by tests to see where a connection goes. */
export type Dial = (host: string, port: number) => Socket;

interface Waiter {
  resolve(reply: ServerReply): void;
  reject(err: unknown): void;
}

/** How long a QUIT may take before the socket is destroyed. */
const QUIT_GRACE_MS = 1_000;

/** A name, not `1.2.3.4` or the literal `[1.2.3.4]`. */
function isHostName(host: string): boolean {
  return isIP(host) === 0 && !host.startsWith('[');
}

export function tlsOptions(endpoint: Endpoint): ConnectionOptions {
  return {
    host: endpoint.address ?? endpoint.host,
    // SNI takes host names only; the certificate is checked against servername, else the IP
    // connected to, so a pinned address is still verified against the name the tenant gave
    ...(isHostName(endpoint.host) ? { servername: endpoint.host } : {}),
    rejectUnauthorized: endpoint.tls.rejectUnauthorized,
    ...(endpoint.tls.ca?.length ? { ca: [...endpoint.tls.ca] } : {}),
  };
}

export class SmtpConnection {
  /** Replies handed out so far; a transaction that read none may be retried elsewhere. */
  repliesRead = 0;
  /** Messages this connection has carried (the pool replaces it after a number of them). */
  messages = 0;
  /** Set by the pool between messages: a reply then is unsolicited (an idle-timeout 421). */
  idle = false;
  /** Why the session stayed in plain text (no STARTTLS offered, refused), set by the handshake. */
  plainReason: string | undefined;
  /** Resolves once the socket is fully closed. */
  readonly closed: Promise<void>;
  private socket: Socket;
  private readonly parser = new ReplyParser((reply) => this.onReply(reply));
  private readonly arrived: ServerReply[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  /** Until the TLS handshake ends, an error without a syscall is a TLS failure. */
  private tlsPending: boolean;
  private quitTimer: NodeJS.Timeout | undefined;
  private markClosed!: () => void;

  private constructor(
    socket: Socket,
    implicitTls: boolean,
    private readonly onGone: (conn: SmtpConnection) => void,
    private readonly address: string | undefined,
  ) {
    this.socket = socket;
    this.tlsPending = implicitTls;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    socket.setNoDelay(true);
    this.attach(socket);
    if (implicitTls)
      socket.once('secureConnect', () => {
        this.tlsPending = false;
      });
  }

  /** Starts connecting; failures surface through the first `read()` (the greeting). */
  static open(
    endpoint: Endpoint,
    implicitTls: boolean,
    onGone: (conn: SmtpConnection) => void,
    dial?: Dial,
  ): SmtpConnection {
    const host = endpoint.address ?? endpoint.host;
    const raw = dial?.(host, endpoint.port);
    const local = endpoint.localAddress === undefined ? {} : { localAddress: endpoint.localAddress };
    const socket = implicitTls
      ? tlsConnect({ ...tlsOptions(endpoint), ...local, port: endpoint.port, ...(raw ? { socket: raw } : {}) })
      : (raw ?? netConnect({ host, port: endpoint.port, ...local }));
    const conn = new SmtpConnection(socket, implicitTls, onGone, endpoint.address);
    if (implicitTls) socket.once('secureConnect', () => conn.checkPeer(socket as TLSSocket, endpoint.tls));
    return conn;
  }

  /** The TLS outcome of this session; undefined while it is in plain text. */
  get tls(): TlsOutcome | undefined {
    const socket = this.socket as Partial<TLSSocket>;
    if (socket.encrypted !== true || typeof socket.getProtocol !== 'function') return undefined;
    const why = socket.authorizationError;
    return {
      version: socket.getProtocol() ?? 'unknown',
      cipher: socket.getCipher?.()?.name ?? 'unknown',
      verified: socket.authorized === true,
      ...(why === undefined || why === null ? {} : { why: String(why) }),
    };
  }

  get usable(): boolean {
    return this.failure === undefined;
  }

  /** The next reply in order; rejects with the failure once the connection broke. */
  read(): Promise<ServerReply> {
    const reply = this.arrived.shift();
    if (reply !== undefined) {
      this.repliesRead++;
      return Promise.resolve(reply);
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Commands, CRLF included; pipelined commands go out in one call. */
  write(text: string): void {
    if (this.failure === undefined) this.socket.write(text, 'utf8');
  }

  /** The message body as slices, handed to the kernel in one batch. */
  writeSlices(slices: readonly Buffer[]): void {
    if (this.failure !== undefined) return;
    this.socket.cork();
    for (const slice of slices) this.socket.write(slice);
    this.socket.uncork();
  }

  /** Runs the TLS handshake over this socket after a 220 reply to STARTTLS. */
  upgrade(endpoint: Endpoint): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // bytes the server sent along with its 220 came before encryption: never trust them
    if (this.parser.pending || this.arrived.length > 0) {
      const err = clientError('ETLS', 'server sent data after its STARTTLS reply');
      this.fail(err);
      return Promise.reject(err);
    }
    const plain = this.socket;
    this.detach(plain);
    plain.on('error', () => undefined); // the TLS socket reports errors from now on
    const pinned = this.address !== undefined ? { ...endpoint, address: this.address } : endpoint;
    const secure = tlsConnect({ ...tlsOptions(pinned), socket: plain });
    this.socket = secure;
    this.tlsPending = true;
    this.attach(secure);
    return new Promise((resolve, reject) => {
      // no reply can arrive before the handshake ends, so the waiter only carries a failure
      this.waiter = { resolve: () => undefined, reject };
      secure.once('secureConnect', () => {
        this.tlsPending = false;
        if (!this.checkPeer(secure, endpoint.tls)) return; // failed: the waiter got the refusal
        this.waiter = undefined;
        resolve();
      });
    });
  }

  /** Runs the endpoint's certificate check; a refusal fails the connection (ETLS) and answers false. */
  private checkPeer(socket: TLSSocket, tls: TlsSettings): boolean {
    const refused = tls.check?.(socket);
    if (refused === undefined) return true;
    this.fail(tlsError(refused));
    return false;
  }

  /** Says goodbye without waiting: the socket closes when the server answers or after a grace. */
  quit(): void {
    if (this.failure !== undefined) return;
    this.socket.end('QUIT\r\n');
    this.fail(clientError('ECONNECTION', 'Connection closed by client'), false);
    this.quitTimer = setTimeout(() => this.socket.destroy(), QUIT_GRACE_MS);
    this.quitTimer.unref();
  }

  /** Ends the connection at once; a pending read rejects with `err`. */
  destroy(err: Error = clientError('ECONNECTION', 'Connection closed by client')): void {
    this.fail(err);
  }

  private fail(err: Error, destroySocket = true): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    if (destroySocket) this.socket.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
    this.onGone(this);
  }

  private onReply(reply: ServerReply): void {
    if (this.failure !== undefined) return; // e.g. the 221 after our QUIT
    if (this.idle) {
      this.fail(clientError('ECONNECTION', `unexpected reply while idle: ${reply.response}`, reply));
      return;
    }
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.arrived.push(reply);
      return;
    }
    this.waiter = undefined;
    this.repliesRead++;
    waiter.resolve(reply);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.fail(err as Error);
    }
  };

  private readonly onError = (err: Error): void => {
    this.fail(this.tlsPending && !isSocketError(err) ? tlsError(err) : err);
  };

  private readonly onEnd = (): void => this.fail(closedError());

  private readonly onClose = (): void => {
    this.fail(closedError());
    clearTimeout(this.quitTimer);
    this.markClosed();
  };

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
  }
}
