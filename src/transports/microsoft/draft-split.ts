import { type MimeEntity, leafEntities } from '../../mime/mime-parts.js';
import { parseMail } from '../../mime/parse-mail.js';
import { mimeRequestBytes } from './graph-api.js';
import type { DraftAttachment } from './graph-drafts.js';

/**
 * A message too big for one Graph request, split for the draft path: the MIME without its largest
 * attachments (taken out until the rest fits one request) and those attachments decoded. Only this
 * path pays for it: one walk over the part boundaries plus a mailparser pass over each part taken
 * out (its name, type and decoded bytes). Works on the CRLF bytes the gateway renders.
 */
export type DraftSplit =
  | { readonly kind: 'split'; readonly mime: Buffer; readonly attachments: readonly DraftAttachment[] }
  | { readonly kind: 'refused'; readonly reason: string };

/** Graph's limit for one attachment through an upload session. */
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;
const DELIMITER = Buffer.from('\r\n--');

interface Cut {
  readonly from: number;
  readonly to: number;
}

/** The part as Graph's attachment item wants it; undefined for a body part (text, HTML) mailparser keeps as text. */
async function attachmentOf(raw: Buffer, leaf: MimeEntity): Promise<DraftAttachment | undefined> {
  const parsed = await parseMail(raw.subarray(leaf.start, leaf.end), { skipTextToHtml: true, skipImageLinks: true });
  const [file] = parsed.attachments;
  if (file === undefined || parsed.attachments.length !== 1) return undefined;
  const cid = file.contentId?.replace(/^<|>$/g, '');
  const inline = cid !== undefined && cid !== '' && file.contentDisposition !== 'attachment';
  return {
    name: file.filename ?? 'attachment',
    contentType: file.contentType,
    bytes: file.content,
    ...(inline ? { contentId: cid } : {}),
  };
}

/** Where the delimiter line in front of a part begins (its leading CRLF): cutting from there keeps the rest whole. */
function delimiterBefore(raw: Buffer, start: number): number | undefined {
  const at = raw.lastIndexOf(DELIMITER, start - 3);
  return at < 0 ? undefined : at;
}

function without(raw: Buffer, cuts: readonly Cut[]): Buffer {
  const kept: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a.from - b.from)) {
    kept.push(raw.subarray(at, cut.from));
    at = cut.to;
  }
  kept.push(raw.subarray(at));
  return Buffer.concat(kept);
}

export async function splitForDraft(
  raw: Buffer,
  maxRequestBytes: number,
  maxAttachmentBytes = MAX_ATTACHMENT_BYTES,
): Promise<DraftSplit> {
  // The top-level entity (start 0) is the whole message: a single-part message has nothing to take out.
  const leaves = leafEntities(raw)
    .filter((leaf) => leaf.start > 0)
    .sort((a, b) => b.end - b.start - (a.end - a.start));
  const cuts: Cut[] = [];
  const attachments: DraftAttachment[] = [];
  let size = raw.length;
  for (const leaf of leaves) {
    if (mimeRequestBytes(size) <= maxRequestBytes) break;
    const from = delimiterBefore(raw, leaf.start);
    const file = from === undefined ? undefined : await attachmentOf(raw, leaf);
    if (from === undefined || file === undefined) continue;
    if (file.bytes.length > maxAttachmentBytes)
      return {
        kind: 'refused',
        reason: `attachment ${file.name} is ${file.bytes.length} bytes, Graph takes at most ${maxAttachmentBytes}`,
      };
    cuts.push({ from, to: leaf.end });
    attachments.push(file);
    size -= leaf.end - from;
  }
  if (mimeRequestBytes(size) > maxRequestBytes)
    return {
      kind: 'refused',
      reason:
        `without its attachments it is still ${mimeRequestBytes(size)} bytes encoded, ` +
        `Graph takes at most ${maxRequestBytes}`,
    };
  return { kind: 'split', mime: without(raw, cuts), attachments };
}
