import type { ReviewEdit } from '../../core/hold.js';
import { joinMessage, splitMessage, type HeaderedMessage } from '../../mime/index.js';
import { parseMail } from '../../mime/parse-mail.js';
import { buildMime, pickHeaders } from '../content/build-mime.js';
import { KEPT_HEADERS } from '../content/content-stage.js';
import { escapeHtml } from '../content/render-template.js';
import type { Stage } from '../draft.js';

/**
 * The tenant's edit of a held message (QueuedMessage.review.edit), right after the content
 * stage: the subject and the plain text become the tenant's; an HTML part becomes the edited
 * text in plain paragraphs (the layout's HTML was written for the old text); attachments and
 * the addressing headers stay byte for byte. Costs nothing for a message without an edit.
 */
export const editStage: Stage = async (draft) => {
  const edit = draft.message.review?.edit;
  if (edit === undefined || draft.isCopy) return draft;
  return { ...draft, split: splitMessage(await applyEdit(draft.split, edit)) };
};

async function applyEdit(split: HeaderedMessage, edit: ReviewEdit): Promise<Buffer> {
  const parsed = await parseMail(joinMessage(split), { keepCidLinks: true });
  const text = edit.text ?? parsed.text ?? '';
  const html = typeof parsed.html === 'string' ? (edit.text === undefined ? parsed.html : paragraphs(text)) : undefined;
  const composed = {
    subject: edit.subject ?? parsed.subject ?? '',
    text,
    ...(html === undefined ? {} : { html }),
    attachments: parsed.attachments.map((a) => ({
      content: a.content,
      contentType: a.contentType,
      ...(a.filename === undefined ? {} : { filename: a.filename }),
      ...(a.contentDisposition === undefined ? {} : { contentDisposition: a.contentDisposition }),
      ...(a.cid === undefined ? {} : { cid: a.cid }),
    })),
    language: '',
    subjectFrom: 'legacy' as const,
    bodyFrom: 'text' as const,
  };
  return buildMime(composed, pickHeaders(parsed.headerLines, [...KEPT_HEADERS, 'x-postbode-original-from']));
}

/** Plain text as HTML paragraphs: blank lines part paragraphs, single line ends become <br>. */
export function paragraphs(text: string): string {
  const blocks = text
    .split(/\r?\n\s*\r?\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => `<p>${escapeHtml(block).replace(/\r?\n/g, '<br>\n')}</p>`);
  return `<!DOCTYPE html>\n<html><body>\n${blocks.join('\n')}\n</body></html>\n`;
}
