import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

/**
 * A scriptable SMTP sink for tests: an smtp-server on 127.0.0.1:0 that records the exact
 * bytes it receives. Behaviour hooks refuse, stall or drop; throw `sinkReply(code, text)` from
 * a hook to answer with that code (smtp-server closes the connection after a 421).
 */
export interface SinkMessage {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  readonly raw: Buffer;
  readonly sessionId: string;
  /** True when the session was encrypted (STARTTLS or implicit TLS). */
  readonly secure: boolean;
  /** The EHLO/HELO name the client gave. */
  readonly helo: string;
}

export interface SinkControl {
  /** Destroys the client's socket at once, without a reply. */
  drop(): void;
}

export interface SinkOptions {
  onConnect?: (session: SMTPServerSession) => void | Promise<void>;
  onMailFrom?: (address: string, session: SMTPServerSession) => void | Promise<void>;
  onRcpt?: (address: string, session: SMTPServerSession) => void | Promise<void>;
  /** Called when DATA starts, before any body byte is read (drop here to cut a transfer short). */
  onDataStart?: (session: SMTPServerSession, control: SinkControl) => void | Promise<void>;
  /** Called with the whole body; throw to refuse, never resolve to stall. Accepted → recorded. */
  onData?: (raw: Buffer, session: SMTPServerSession, control: SinkControl) => void | Promise<void>;
  /** Require AUTH with these credentials (PLAIN/LOGIN; allowed without TLS). */
  auth?: { readonly user: string; readonly pass: string };
  /** PEM key and cert: offers STARTTLS (or implicit TLS with `secure`). Without it STARTTLS is off. */
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer; readonly secure?: boolean };
  /** Records every client command line in `commands` (the exact `MAIL FROM:<...>`). */
  recordCommands?: boolean;
  /** Extra smtp-server options (size, banner, ...), applied last. */
  server?: Partial<SMTPServerOptions>;
}

export interface Sink {
  readonly port: number;
  readonly messages: SinkMessage[];
  /** Client command lines, when `recordCommands` is set. */
  readonly commands: string[];
  /** Connections accepted so far, open right now, and the most open at once. */
  readonly stats: { connections: number; open: number; maxOpen: number };
  /** Destroys every open connection without a reply, so the client's next message opens a new one. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** An error a hook throws to make the sink answer `code text`. */
export function sinkReply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toCallback(work: () => void | Promise<void>, cb: (err?: Error | null) => void): void {
  Promise.resolve()
    .then(work)
    .then(
      () => cb(),
      (err: unknown) => cb(err as Error),
    );
}

function commandLogger(commands: string[]): NonNullable<SMTPServerOptions['logger']> {
  const ignore = (): void => undefined;
  return {
    level: ignore,
    trace: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    fatal: ignore,
    debug: (entry: unknown, format: unknown, ...args: unknown[]) => {
      const tnx = (entry as { tnx?: string } | undefined)?.tnx;
      if (tnx === 'command' && format === 'C:' && typeof args[0] === 'string') commands.push(args[0]);
    },
  } as unknown as NonNullable<SMTPServerOptions['logger']>;
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const messages: SinkMessage[] = [];
  const commands: string[] = [];
  const stats = { connections: 0, open: 0, maxOpen: 0 };
  const sockets = new Map<number, Socket>();
  const controlFor = (session: SMTPServerSession): SinkControl & { dropped: boolean } => {
    const control = {
      dropped: false,
      drop: () => {
        control.dropped = true;
        sockets.get(session.remotePort)?.destroy();
      },
    };
    return control;
  };

  const server = new SMTPServer({
    secure: options.tls?.secure ?? false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    closeTimeout: 50,
    logger: options.recordCommands ? commandLogger(commands) : false,
    onConnect: (session, cb) => toCallback(() => options.onConnect?.(session), cb),
    onAuth: (auth, _session, cb) => {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      if (ok) cb(null, { user: auth.username });
      else cb(sinkReply(535, 'Authentication failed'));
    },
    onMailFrom: (address, session, cb) => toCallback(() => options.onMailFrom?.(address.address, session), cb),
    onRcptTo: (address, session, cb) => toCallback(() => options.onRcpt?.(address.address, session), cb),
    onData: (stream, session, cb) => {
      const control = controlFor(session);
      const work = async (): Promise<void> => {
        await options.onDataStart?.(session, control);
        if (control.dropped) return;
        const raw = await readAll(stream);
        await options.onData?.(raw, session, control);
        if (control.dropped) return; // the client never got a reply: not a received message
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        messages.push({
          envelope,
          raw,
          sessionId: session.id,
          secure: session.secure,
          helo: session.hostNameAppearsAs,
        });
      };
      toCallback(work, cb);
    },
    ...options.server,
  });

  server.server.on('connection', (socket: Socket) => {
    const remotePort = socket.remotePort ?? 0;
    stats.connections++;
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    sockets.set(remotePort, socket);
    socket.once('close', () => {
      stats.open--;
      sockets.delete(remotePort);
    });
  });
  server.on('error', () => undefined); // client resets are expected in these tests

  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets.values()) socket.destroy();
    });
    return closing;
  };
  const dropConnections = (): void => {
    for (const socket of sockets.values()) socket.destroy();
  };
  return { port, messages, commands, stats, dropConnections, close };
}
