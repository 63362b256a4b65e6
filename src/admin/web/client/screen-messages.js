// @ts-check
import { api, enc, optional, query } from './api.js';
import { field, h, input, select, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { suppressionSection } from './section-suppressions.js';
import { resendSection } from './section-resend.js';

/** @typedef {import('./app.js').Ctx} Ctx */
const PAGE = 20;
const STATUSES = ['queued', 'deferred', 'held', 'delivered', 'bounced', 'expired', 'cancelled'];
/** @type {Record<string, string>} kept across re-renders of this tab only: the search the user typed, and the page */
const search = { q: '', recipient: '', status: '', before: '' };

/**
 * The message log: search, per-recipient status (read from the pixel opens in each message's
 * detail), and the actions the API offers: retry and send to the accountant.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const tenant = ctx.session.admin ? ctx.session.tenantId : undefined;
  const filter = {
    tenant,
    q: search.q,
    recipient: search.recipient,
    status: search.status,
    before: search.before,
    limit: PAGE,
  };
  const list = await api('GET', `/messages${query(filter)}`);
  // The list has no opens; each message's detail does. One page is at most 20 small requests.
  const details = await Promise.all(
    list.messages.map((/** @type {any} */ m) => api('GET', `/messages/${enc(m.id)}`).catch(() => ({ message: m }))),
  );
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}`;
  const suppressions = await optional(`${base}/suppressions`);
  const status = statusLine();
  const q = input('q', search.q, { type: 'search' });
  const recipient = input('recipient', search.recipient, { type: 'email' });
  const state = select(
    'status',
    [['', t('messages.anyStatus')], ...STATUSES.map((s) => /** @type {[string, string]} */ ([s, t(`rcpt.${s}`)]))],
    search.status,
  );
  const form = h(
    'form',
    {
      class: 'card search',
      role: 'search',
      onsubmit: (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        Object.assign(search, {
          q: q.value.trim(),
          recipient: recipient.value.trim(),
          status: state.value,
          before: '',
        });
        ctx.rerender();
      },
    },
    h(
      'div',
      { class: 'row' },
      field('messages-q', t('messages.q'), q, t('messages.qHint')),
      field('messages-recipient', t('messages.recipient'), recipient),
      field('messages-status', t('messages.status'), state),
    ),
    h('button', { type: 'submit', class: 'primary' }, t('messages.search')),
    h('button', { type: 'button', onclick: () => ctx.rerender() }, t('messages.refresh')),
  );
  return h(
    'section',
    { 'aria-labelledby': 'messages-title' },
    h('h1', { id: 'messages-title', tabindex: '-1' }, t('messages.title')),
    form,
    status.el,
    details.length === 0
      ? h('p', {}, t('messages.none'))
      : h(
          'ul',
          { class: 'messages' },
          details.map((d) => messageItem(d, ctx, status)),
        ),
    h(
      'div',
      { class: 'actions' },
      search.before
        ? h(
            'button',
            {
              type: 'button',
              onclick: () => {
                search.before = '';
                ctx.rerender();
              },
            },
            t('messages.newest'),
          )
        : null,
      list.next
        ? h(
            'button',
            {
              type: 'button',
              onclick: () => {
                search.before = list.next;
                ctx.rerender();
              },
            },
            t('messages.older'),
          )
        : null,
    ),
    suppressions !== undefined ? suppressionSection(base, suppressions, ctx) : null,
  );
}

/** @param {any} detail @param {Ctx} ctx @param {ReturnType<typeof statusLine>} status */
function messageItem(detail, ctx, status) {
  const m = detail.message;
  const opens = detail.opens ?? {};
  const deferred = m.recipients.some((/** @type {any} */ r) => r.status === 'deferred');
  const act = (/** @type {string} */ path, /** @type {string} */ done) => async () => {
    try {
      await api('POST', `/messages/${enc(m.id)}/${path}`, {});
      status.show(t(done), 'ok');
      item.replaceWith(messageItem(await api('GET', `/messages/${enc(m.id)}`), ctx, status));
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const item = h(
    'li',
    { class: 'card message', 'data-id': m.id },
    h('h2', {}, m.subject || t('messages.noSubject')),
    h(
      'p',
      { class: 'hint' },
      t('messages.received', { when: when(m.receivedAt) }),
      detail.content?.documentNumber ? ` · ${t('messages.number', { number: detail.content.documentNumber })}` : '',
    ),
    h(
      'ul',
      { class: 'recipients' },
      m.recipients.map((/** @type {any} */ r) =>
        h(
          'li',
          {},
          h('span', { class: 'address' }, r.address),
          r.role && r.role !== 'client' ? ` (${t(`role.${r.role}`)})` : '',
          ': ',
          h('strong', { class: `rcpt ${statusClass(r, opens[r.address])}` }, recipientStatus(r, opens[r.address])),
        ),
      ),
    ),
    h(
      'details',
      {},
      h('summary', {}, t('messages.history')),
      h(
        'ul',
        { class: 'history' },
        m.recipients.flatMap((/** @type {any} */ r) =>
          r.history.map((/** @type {any} */ e) =>
            h(
              'li',
              {},
              `${when(e.at)} · ${r.address} · ${t(`outcome.${e.outcome}`)}${e.nextHop ? ` · ${e.nextHop}` : ''} · `,
              h('code', {}, e.reply),
              e.tls ? ` · ${e.tls}` : null,
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      deferred ? h('button', { type: 'button', onclick: act('retry', 'messages.retried') }, t('messages.retry')) : null,
      m.kind === 'mail'
        ? h(
            'button',
            { type: 'button', onclick: act('send-to-accountant', 'messages.sentToAccountant') },
            t('messages.toAccountant'),
          )
        : null,
    ),
    resendSection(m, status, () => ctx.rerender()),
  );
  return item;
}

/**
 * Delivery status, then the pixel's verdict once a person (or a scanner) opened it.
 * @param {any} r
 * @param {any} open
 */
function recipientStatus(r, open) {
  if (open?.status === 'read') return t('rcpt.read');
  if (open) return t('rcpt.automated');
  if (r.status === 'delivered') return t('rcpt.delivered');
  if (r.status === 'deferred') return t('rcpt.deferredWhy', { reason: r.lastReply ?? '', next: when(r.nextAttemptAt) });
  if (r.status === 'bounced') return t('rcpt.bouncedWhy', { reason: r.lastReply ?? '' });
  return t(`rcpt.${r.status}`);
}

/** @param {any} r @param {any} open */
function statusClass(r, open) {
  if (open?.status === 'read') return 'read';
  return open ? 'automated' : r.status;
}
