import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it, and whether the npm `standardwebhooks` library accepted it. */
export interface ReceivedHook {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly verified: boolean;
  /** Parsed body when verified. */
  readonly payload?: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** ok: 204; fail: 500; stall: read the request, never answer. */
export type ReceiverMode = 'ok' | 'fail' | 'stall';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** The secret verification uses (the one the API showed); until set, nothing verifies. */
  secret: string | undefined;
  mode: ReceiverMode;
  /** Distinct event ids verified so far. */
  verifiedIds(): Set<string>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:0 that checks each request the way a tenant's receiver would:
 * `new Webhook(secret).verify(body, headers)` from the `standardwebhooks` package.
 */
export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const sockets = new Set<Socket>();
  const state: WebhookReceiver = {
    url: '',
    received: [],
    secret: undefined,
    mode: 'ok',
    verifiedIds: () => new Set(state.received.filter((r) => r.verified).map((r) => r.id)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let payload: ReceivedHook['payload'];
    try {
      if (state.secret) payload = new Webhook(state.secret).verify(body, headers) as ReceivedHook['payload'];
    } catch {
      payload = undefined;
    }
    state.received.push({
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      verified: payload !== undefined,
      ...(payload ? { payload } : {}),
    });
    if (state.mode === 'stall') return;
    res.statusCode = state.mode === 'ok' ? 204 : 500;
    res.end();
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, { url: `http://127.0.0.1:${port}${path}` });
}
