import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The draft path of the fake Graph (fake-microsoft.ts routes to it): `POST /users/{id}/messages`
 * with base64 MIME makes a draft, `…/attachments/createUploadSession` hands out an upload URL on
 * the fake, `PUT` of that URL takes the bytes in chunks, `…/send` sends the draft, `DELETE` removes
 * it. It checks what Graph checks and records a complaint when the client gets it wrong: a request
 * body above 4 MiB, a draft of another user, a chunk not a multiple of 320 KiB (but the last) or
 * above 4 MiB, a Content-Range that is not the next range, an Authorization header on the upload URL.
 */
export interface FakeAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly isInline?: boolean;
  readonly contentId?: string;
  readonly bytes: Buffer;
}

export interface FakeDraft {
  readonly id: string;
  readonly userId: string;
  readonly mime: Buffer;
  readonly attachments: FakeAttachment[];
  deleted: boolean;
  sent: boolean;
}

interface Session {
  readonly draft: FakeDraft;
  readonly item: Omit<FakeAttachment, 'bytes'>;
  readonly chunks: Buffer[];
  received: number;
}

export type Reply = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;

const GRAPH_REQUEST_LIMIT = 4 * 1024 * 1024;
const CHUNK_UNIT = 320 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const notFound = { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } };
const invalid = (message: string) => ({ error: { code: 'InvalidRequest', message } });

export function createFakeDrafts(baseUrl: () => string, complaints: string[], reply: Reply) {
  const drafts = new Map<string, FakeDraft>();
  const sessions = new Map<string, Session>();
  let serial = 0;

  /** The draft the path names, only when it is this user's (Graph answers 404 for another mailbox's item). */
  function own(userId: string, draftId: string, res: ServerResponse): FakeDraft | undefined {
    const draft = drafts.get(draftId);
    if (draft && draft.userId === userId && !draft.deleted) return draft;
    if (draft && draft.userId !== userId) complaints.push(`draft ${draftId} of another user touched by ${userId}`);
    reply(res, 404, notFound);
    return undefined;
  }

  function create(userId: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (body.length > GRAPH_REQUEST_LIMIT) complaints.push('draft request above 4 MiB');
    if (!(req.headers['content-type'] ?? '').startsWith('text/plain')) complaints.push('draft MIME not text/plain');
    const text = body.toString('latin1');
    if (!BASE64.test(text)) {
      complaints.push('draft body is not base64');
      return reply(res, 400, invalid('Invalid base64'));
    }
    const id = `AAMkAGI2-draft-${++serial}`;
    drafts.set(id, { id, userId, mime: Buffer.from(text, 'base64'), attachments: [], deleted: false, sent: false });
    reply(res, 201, { id, isDraft: true });
  }

  function session(userId: string, draftId: string, body: Buffer, res: ServerResponse): void {
    const draft = own(userId, draftId, res);
    if (!draft) return;
    const item = (JSON.parse(body.toString('utf8')) as { AttachmentItem?: Record<string, unknown> }).AttachmentItem;
    if (item?.attachmentType !== 'file' || typeof item.name !== 'string' || typeof item.size !== 'number') {
      complaints.push('createUploadSession without a file AttachmentItem (name, size)');
      return reply(res, 400, invalid('AttachmentItem'));
    }
    const token = `upload-${++serial}`;
    sessions.set(token, {
      draft,
      item: {
        name: item.name,
        size: item.size,
        contentType: String(item.contentType ?? ''),
        ...(item.isInline === true ? { isInline: true } : {}),
        ...(typeof item.contentId === 'string' ? { contentId: item.contentId } : {}),
      },
      chunks: [],
      received: 0,
    });
    const uploadUrl = `${baseUrl()}/upload/${token}?authtoken=fake`;
    reply(res, 201, { uploadUrl, expirationDateTime: '2099-01-01T00:00:00Z', nextExpectedRanges: ['0-'] });
  }

  function chunkProblem(s: Session, req: IncomingMessage, body: Buffer): string | undefined {
    if (req.headers.authorization !== undefined) return 'Authorization header sent to the upload URL';
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '');
    if (!range) return `no Content-Range bytes a-b/total: ${req.headers['content-range']}`;
    const [a, b, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (total !== s.item.size) return `Content-Range total ${total} is not the session's size ${s.item.size}`;
    if (a !== s.received) return `Content-Range starts at ${a}, expected ${s.received}`;
    if (b - a + 1 !== body.length) return `Content-Range ${a}-${b} does not match ${body.length} bytes`;
    if (body.length > GRAPH_REQUEST_LIMIT) return 'upload chunk above 4 MiB';
    if (b + 1 < total && body.length % CHUNK_UNIT !== 0) return 'upload chunk not a multiple of 320 KiB';
    return undefined;
  }

  function chunk(token: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const s = sessions.get(token);
    if (!s || s.draft.deleted) return reply(res, 404, notFound);
    const problem = chunkProblem(s, req, body);
    if (problem) {
      complaints.push(problem);
      return reply(res, 400, invalid(problem));
    }
    s.chunks.push(body);
    s.received += body.length;
    if (s.received < s.item.size) return reply(res, 200, { nextExpectedRanges: [`${s.received}-`] });
    sessions.delete(token);
    s.draft.attachments.push({ ...s.item, bytes: Buffer.concat(s.chunks) });
    reply(res, 201, undefined);
  }

  /** The draft sent: undefined (answered) when it may not be, else the draft. */
  function send(userId: string, draftId: string, res: ServerResponse): FakeDraft | undefined {
    const draft = own(userId, draftId, res);
    if (!draft) return undefined;
    if ([...sessions.values()].some((s) => s.draft === draft)) complaints.push('draft sent with an upload unfinished');
    draft.sent = true;
    reply(res, 202, undefined);
    return draft;
  }

  function remove(userId: string, draftId: string, res: ServerResponse): void {
    const draft = own(userId, draftId, res);
    if (!draft) return;
    draft.deleted = true;
    reply(res, 204, undefined);
  }

  return { drafts, create, session, chunk, send, remove };
}
