import { microsoftCall } from './microsoft-http.js';

/**
 * Graph's way for messages above its request limit: a draft made from the MIME (its large
 * attachments taken out), each of those attached through an upload session, then the draft sent.
 * The upload URL carries its own credential: Graph refuses an Authorization header on it, so
 * none is sent there.
 */
export interface DraftAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  /** Set for inline parts (an image the HTML shows by cid:). */
  readonly contentId?: string;
}

export interface GraphDrafts {
  /** POST /users/{id}/messages with the base64 MIME: the draft's id. */
  create(token: string, userId: string, mime: Buffer): Promise<string>;
  /** createUploadSession, then the bytes PUT in chunks. */
  attach(token: string, userId: string, draftId: string, file: DraftAttachment): Promise<void>;
  send(token: string, userId: string, draftId: string): Promise<void>;
  remove(token: string, userId: string, draftId: string): Promise<void>;
}

/** Graph wants chunks in multiples of 320 KiB, each at most 4 MiB: 12 × 320 KiB is the largest. */
export const UPLOAD_CHUNK_BYTES = 12 * 320 * 1024;

export function createGraphDrafts(graphUrl: string, timeoutMs: number): GraphDrafts {
  const v1 = `${graphUrl.replace(/\/+$/, '')}/v1.0`;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const messages = (userId: string) => `${v1}/users/${encodeURIComponent(userId)}/messages`;
  const draft = (userId: string, id: string) => `${messages(userId)}/${encodeURIComponent(id)}`;

  async function uploadUrl(token: string, userId: string, draftId: string, file: DraftAttachment): Promise<string> {
    const item = {
      attachmentType: 'file',
      name: file.name,
      size: file.bytes.length,
      contentType: file.contentType,
      ...(file.contentId !== undefined ? { isInline: true, contentId: file.contentId } : {}),
    };
    const data = (await microsoftCall(
      {
        method: 'POST',
        url: `${draft(userId, draftId)}/attachments/createUploadSession`,
        headers: { ...auth(token), 'content-type': 'application/json' },
        body: JSON.stringify({ AttachmentItem: item }),
        what: 'Graph createUploadSession',
      },
      timeoutMs,
    )) as { uploadUrl?: unknown } | undefined;
    if (typeof data?.uploadUrl !== 'string') throw new Error('Graph sent no uploadUrl for the attachment');
    return data.uploadUrl;
  }

  return {
    async create(token, userId, mime) {
      const data = (await microsoftCall(
        {
          method: 'POST',
          url: messages(userId),
          headers: { ...auth(token), 'content-type': 'text/plain' },
          body: mime.toString('base64'),
          what: 'Graph draft',
        },
        timeoutMs,
      )) as { id?: unknown } | undefined;
      if (typeof data?.id !== 'string') throw new Error('Graph sent no id for the draft');
      return data.id;
    },
    async attach(token, userId, draftId, file) {
      const url = await uploadUrl(token, userId, draftId, file);
      const total = file.bytes.length;
      for (let start = 0; start < total; start += UPLOAD_CHUNK_BYTES) {
        const chunk = file.bytes.subarray(start, Math.min(total, start + UPLOAD_CHUNK_BYTES));
        await microsoftCall(
          {
            method: 'PUT',
            url,
            headers: {
              'content-type': 'application/octet-stream',
              'content-range': `bytes ${start}-${start + chunk.length - 1}/${total}`,
            },
            body: chunk,
            what: 'Graph attachment upload',
          },
          timeoutMs,
        );
      }
    },
    async send(token, userId, draftId) {
      await microsoftCall(
        { method: 'POST', url: `${draft(userId, draftId)}/send`, headers: auth(token), what: 'Graph draft send' },
        timeoutMs,
      );
    },
    async remove(token, userId, draftId) {
      await microsoftCall(
        { method: 'DELETE', url: draft(userId, draftId), headers: auth(token), what: 'Graph draft delete' },
        timeoutMs,
      );
    },
  };
}
