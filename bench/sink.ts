import { SMTPServer } from 'smtp-server';

export interface BenchSink {
  readonly port: number;
  count(): number;
  /** While on, the first delivery of each message (by Message-ID) gets 451: every message is retried once. */
  deferFirst(on: boolean): void;
  close(): Promise<void>;
}

export interface BenchSinkOptions {
  /** Answer each message this much later (a slow receiving server); default 0. */
  readonly delayMs?: number;
  /** Called as each message is accepted, with its envelope sender. */
  readonly onMessage?: (from: string) => void;
}

/**
 * A discard sink for benchmarks: accepts everything, counts messages, keeps no bytes.
 * Runs in the bench process (the orchestrator is otherwise idle).
 */
export async function startBenchSink(options: BenchSinkOptions = {}): Promise<BenchSink> {
  let received = 0;
  let deferring = false;
  const seen = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    maxClients: 2000,
    size: 50 * 1024 * 1024,
    onData(stream, session, cb) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (deferring && head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const id = deferring ? /^message-id:\s*(\S+)/im.exec(head)?.[1] : undefined;
        if (id !== undefined && !seen.has(id)) {
          seen.add(id);
          cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        const done = (): void => {
          received++;
          options.onMessage?.(session.envelope.mailFrom ? session.envelope.mailFrom.address : '');
          cb(null, 'Ok: discarded');
        };
        if (options.delayMs) setTimeout(done, options.delayMs);
        else done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    count: () => received,
    deferFirst: (on) => {
      deferring = on;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
