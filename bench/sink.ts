import { SMTPServer } from 'smtp-server';

export interface BenchSink {
  readonly port: number;
  count(): number;
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
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    maxClients: 2000,
    size: 50 * 1024 * 1024,
    onData(stream, session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
