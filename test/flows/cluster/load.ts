import { createTransport } from 'nodemailer';

/** One SMTP submission's outcome, as the client saw it. */
export interface Attempt {
  readonly messageId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The reply code (250, 421, 451 ...), or 0 when the connection itself failed. */
  readonly code: number;
}

export interface LoadTarget {
  readonly port: () => number | undefined;
  readonly user: string;
  readonly pass: string;
}

/**
 * Sends one message on a fresh connection (STARTTLS, AUTH) with its own Message-ID, and records
 * what came back: the sink counts by that Message-ID, so a 250 can be matched to a delivery.
 */
export async function sendOne(target: LoadTarget, messageId: string): Promise<Attempt> {
  const startedAt = Date.now();
  const port = target.port();
  if (port === undefined) return { messageId, startedAt, endedAt: Date.now(), code: 0 };
  const client = createTransport({
    host: '127.0.0.1',
    port,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: target.user, pass: target.pass },
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  });
  try {
    const sent = await client.sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: `Factuur ${messageId}`,
      text: 'Hallo',
      messageId: `<${messageId}>`,
    });
    return { messageId, startedAt, endedAt: Date.now(), code: Number(sent.response.slice(0, 3)) };
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode ?? 0;
    return { messageId, startedAt, endedAt: Date.now(), code };
  } finally {
    client.close();
  }
}

/** Message-IDs the sink got, with how many times each. */
export function deliveriesById(raws: readonly Buffer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const raw of raws) {
    const id = /^Message-ID: <([^>]+)>/im.exec(raw.toString('latin1'))?.[1];
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
