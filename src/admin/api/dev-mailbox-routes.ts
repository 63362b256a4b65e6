import { Router } from 'express';
import { headerBlockEnd } from '../../mime/index.js';
import type { CaptureMailbox, CapturedMessage } from '../../core/dev-mailbox.js';
import { escapeHtml, renderPage, sendHtml } from './html.js';

/** The list page shows this many newest messages. */
const LIST_LIMIT = 200;

/**
 * Read-only pages over the dev mailbox (delivery.mode capture): a list, one message with
 * its headers and source, and the raw .eml. Message ids are checked by the mailbox, so a
 * crafted id can never name another file.
 */
export function createDevMailboxRouter(mailbox: CaptureMailbox): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const messages = await mailbox.list(LIST_LIMIT);
    sendHtml(res, renderPage('Postbode dev mailbox', listBody(messages)));
  });

  router.get('/:id', async (req, res, next) => {
    const meta = await mailbox.get(req.params.id);
    const raw = meta && (await mailbox.raw(meta.id));
    if (!meta || !raw) {
      next();
      return;
    }
    sendHtml(res, renderPage(`${meta.subject || '(no subject)'} – Postbode dev mailbox`, detailBody(meta, raw)));
  });

  router.get('/:id/raw', async (req, res, next) => {
    const meta = await mailbox.get(req.params.id);
    const raw = meta && (await mailbox.raw(meta.id));
    if (!meta || !raw) {
      next();
      return;
    }
    res.set('Content-Disposition', `attachment; filename="${meta.id}.eml"`);
    res.type('message/rfc822').send(raw);
  });

  return router;
}

function listBody(messages: readonly CapturedMessage[]): string {
  const intro =
    '<h1>Dev mailbox</h1><p class="muted">delivery.mode is <code>capture</code>: outgoing mail is kept here and ' +
    'never sent. Newest first.</p>';
  if (messages.length === 0) return `${intro}<p>No messages captured yet.</p>`;
  const rows = messages
    .map(
      (m) => `<tr>
<td>${escapeHtml(new Date(m.capturedAt).toISOString())}</td>
<td>${escapeHtml(m.envelope.from || '<>')}</td>
<td>${escapeHtml(m.envelope.to.join(', '))}</td>
<td><a href="/dev/mailbox/${encodeURIComponent(m.id)}">${escapeHtml(m.subject || '(no subject)')}</a></td>
<td>${m.size}</td></tr>`,
    )
    .join('\n');
  return `${intro}<table><thead><tr><th>Time</th><th>From</th><th>To</th><th>Subject</th><th>Bytes</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function detailBody(meta: CapturedMessage, raw: Buffer): string {
  const source = raw.toString('utf8');
  const id = encodeURIComponent(meta.id);
  return `<p><a href="/dev/mailbox">← all messages</a> · <a href="/dev/mailbox/${id}/raw">download .eml</a></p>
<h1>${escapeHtml(meta.subject || '(no subject)')}</h1>
<table>
<tr><th>Captured</th><td>${escapeHtml(new Date(meta.capturedAt).toISOString())}</td></tr>
<tr><th>Envelope from</th><td>${escapeHtml(meta.envelope.from || '<>')}</td></tr>
<tr><th>Envelope to</th><td>${escapeHtml(meta.envelope.to.join(', '))}</td></tr>
<tr><th>Size</th><td>${meta.size} bytes</td></tr>
</table>
<h2>Headers</h2><pre>${escapeHtml(headerBlock(raw))}</pre>
<h2>Source</h2><pre>${escapeHtml(source)}</pre>`;
}

/** The header section: everything before the first empty line, without the last line end. */
function headerBlock(raw: Buffer): string {
  return raw.toString('utf8', 0, headerBlockEnd(raw)).replace(/\r?\n$/, '');
}
