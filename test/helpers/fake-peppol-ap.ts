import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Peppol access point speaking the API of src/transports/peppol/: `POST /documents`
 * with the UBL body and the participant ids as query parameters, Bearer token. It checks the
 * token (401 otherwise) and records what it got; `answer` scripts the reply (a status and JSON,
 * or 'stall' to never answer).
 */
export interface ApSubmission {
  readonly path: string;
  readonly receiverId: string | null;
  readonly senderId: string | null;
  readonly docTypeId: string | null;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export type ApAnswer = { readonly status: number; readonly json: unknown } | 'stall';

export interface FakePeppolAp {
  readonly baseUrl: string;
  readonly submissions: ApSubmission[];
  /** Requests refused for a wrong or missing token. */
  readonly unauthorised: number;
  answer: (submission: ApSubmission) => ApAnswer;
  close(): Promise<void>;
}

const MAX_BODY = 5 * 1024 * 1024;

export async function startFakePeppolAp(token: string): Promise<FakePeppolAp> {
  const stalled: ServerResponse[] = [];
  const ap: FakePeppolAp & { unauthorised: number } = {
    baseUrl: '',
    submissions: [],
    unauthorised: 0,
    answer: () => ({ status: 202, json: { status: 'queued', sbdhInstanceID: `sbdh-${ap.submissions.length}` } }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void handle(ap, token, stalled, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(ap, {
    baseUrl: `http://127.0.0.1:${port}/api`,
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return ap;
}

async function handle(
  ap: FakePeppolAp & { unauthorised: number },
  token: string,
  stalled: ServerResponse[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://ap.test');
  const body = await readBody(req);
  if (req.headers.authorization !== `Bearer ${token}`) {
    ap.unauthorised++;
    reply(res, 401, { error: 'invalid token' });
    return;
  }
  if (req.method !== 'POST' || url.pathname !== '/api/documents') {
    reply(res, 404, { error: 'no such route' });
    return;
  }
  const submission: ApSubmission = {
    path: url.pathname,
    receiverId: url.searchParams.get('receiverId'),
    senderId: url.searchParams.get('senderId'),
    docTypeId: url.searchParams.get('docTypeId'),
    contentType: req.headers['content-type'],
    body,
  };
  ap.submissions.push(submission);
  const answer = ap.answer(submission);
  if (answer === 'stall') stalled.push(res);
  else reply(res, answer.status, answer.json);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
