import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';

const ADMIN = 'delivery-stall-admin-token-0123456789-abcdefghij';
const SEND_TIMEOUT_MS = 1_000;
/** How long the next hop sits on the first message it gets, well past the send timeout. */
const STALL_MS = 3 * SEND_TIMEOUT_MS;

interface Attempt {
  readonly outcome: string;
  readonly reply: string;
}
interface RecipientView {
  readonly address: string;
  readonly status: string;
  readonly attempts: number;
  readonly history: Attempt[];
}

/**
 * The next hop takes the whole message and then stops answering for longer than
 * delivery.sendTimeoutMs: the attempt is deferred with a reply that says so, retried once later
 * and delivered. Nothing is lost, and there is no copy beyond the one the stalled hop may have
 * kept. Another tenant's mail is not held up behind the stall.
 */
describe('next hop stalls mid-DATA longer than the send timeout', () => {
  let sink: Sink;
  let gw: TestGateway;
  let other: { user: string; pass: string };
  let stalls = 0;
  const stallEnded: Promise<void>[] = [];

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  async function sendAs(creds: { user: string; pass: string }, to: string, subject: string): Promise<string> {
    const client = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: creds,
    });
    try {
      const info = await client.sendMail({ from: 'billing@acme.test', to, subject, text: `${subject}\n` });
      return /queued as (\S+)/.exec(String(info.response))?.[1] ?? '';
    } finally {
      client.close();
    }
  }

  /** The recipient's state; undefined while the API rate-limits this fast poll. */
  async function recipient(id: string): Promise<RecipientView | undefined> {
    const res = await api('GET', `/messages/${id}`);
    return res.status === 200 ? (res.body.message.recipients[0] as RecipientView) : undefined;
  }

  beforeAll(async () => {
    sink = await startSink({
      onData: async (raw) => {
        // Only the first copy of the stalled invoice: its retry, and other mail, are answered at once.
        if (!raw.toString('latin1').includes('Subject: Factuur stalled') || stalls++ > 0) return;
        const ended = new Promise<void>((resolve) => setTimeout(resolve, STALL_MS));
        stallEnded.push(ended);
        await ended;
      },
    });
    gw = await startTestGateway(
      sink.port,
      {
        smtp: { requireVerifiedSender: false },
        delivery: { sendTimeoutMs: SEND_TIMEOUT_MS },
        queue: { retry: { initialDelayMs: 500, maxDelayMs: 1000, maxAgeMs: 60_000, jitter: 0 } },
      },
      {},
      { ...process.env, POSTBODE_ADMIN_TOKEN: ADMIN },
    );
    const created = await api('POST', '/tenants', { name: 'Other Facturatie BV' });
    other = { user: created.body.smtp.username, pass: created.body.smtp.password };
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('defers with a timeout reply, retries once later, delivers, and keeps other tenants moving', async () => {
    const stalled = await sendAs({ user: gw.user, pass: gw.pass }, 'jan@customer.test', 'Factuur stalled');
    await waitFor(() => (stalls === 1 ? true : undefined), 5_000, 'the next hop to start stalling');
    // A second tenant's invoice goes through while the first one's session hangs.
    const moving = await sendAs(other, 'piet@customer.test', 'Factuur moving');
    await waitFor(
      () => (sink.messages.some((m) => m.raw.includes('Subject: Factuur moving')) ? true : undefined),
      5_000,
      'the other tenant delivered during the stall',
    );

    const delivered = await waitFor(
      async () => {
        const r = await recipient(stalled);
        return r?.status === 'delivered' ? r : undefined;
      },
      15_000,
      'the stalled invoice delivered by its retry',
    );
    expect(delivered.attempts).toBe(2);
    expect(delivered.history.map((h) => h.outcome)).toEqual(['deferred', 'delivered']);
    expect(delivered.history[0]!.reply).toBe(`ETIMEDOUT: send timed out after ${SEND_TIMEOUT_MS} ms`);
    // Polled like the rest: a single read could meet the API's rate limit after the fast polls above.
    await waitFor(
      async () => ((await recipient(moving))?.status === 'delivered' ? true : undefined),
      5_000,
      'the other tenant delivered',
    );

    // The stalled hop had the whole message and keeps it when its stall ends (nobody hears its 250):
    // that copy and the retry's are the two there may be, and there is no third attempt.
    await Promise.all(stallEnded);
    const copies = () => sink.messages.filter((m) => m.raw.includes('Subject: Factuur stalled')).length;
    await waitFor(() => (copies() === 2 ? true : undefined), 5_000, 'the stalled hop to keep its copy');
    expect((await recipient(stalled))?.attempts).toBe(2);
    expect(copies()).toBe(2);
  }, 40_000);
});
