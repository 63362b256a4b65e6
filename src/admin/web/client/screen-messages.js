// @ts-check
import { api, enc, getToken, optional, query } from './api.js';
import { field, h, input, select, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { suppressionSection } from './section-suppressions.js';
import { resendSection } from './section-resend.js';
import { bounceAlertSection } from './section-bounce-alerts.js';
import { messageSource } from './message-source.js';

/** @typedef {import('./app.js').Ctx} Ctx */
const PAGE = 20;
/** The plain states (queue/plain-state.ts): what the tenant filters on and sees as badges. */
const STATES = ['queued', 'held', 'deferred', 'sent', 'delivered', 'read', 'replied', 'bounced', 'cancelled'];
/** @type {Record<string, string>} kept across re-renders of this tab only: the search the user typed, and the page */
const search = { q: '', recipient: '', state: '', document: '', client: '', from: '', to: '', before: '' };

/** The log's filters as API query parameters (dates as the start and end of those days, local time). */
function filters() {
  const day = (/** @type {string} */ d, /** @type {boolean} */ end) =>
    d === '' ? undefined : new Date(`${d}T${end ? '23:59:59.999' : '00:00:00'}`).getTime();
  return {
    q: search.q,
    recipient: search.recipient,
    state: search.state,
    document: search.document,
    client: search.client,
    since: day(search.from, false),
    until: day(search.to, true),
  };
}

/** The CSV export of what the filters find: fetched with the token (never in a URL), saved by the browser. */
async function downloadCsv(/** @type {string | undefined} */ tenant) {
  const res = await fetch(`/api/v1/messages.csv${query({ tenant, ...filters() })}`, {
    headers: { authorization: `Bearer ${getToken()}` },
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: 'messages.csv' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

/**
 * The message log: search, per-recipient status (read from the pixel opens in each message's
 * detail), and the actions the API offers: retry and send to the accountant.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const tenant = ctx.session.admin ? ctx.session.tenantId : undefined;
  const filter = { tenant, ...filters(), before: search.before, limit: PAGE };
  const list = await api('GET', `/messages${query(filter)}`);
  // A bounce alert links here with ?message=<id>: that message comes first, whatever the filters.
  const linked = new URLSearchParams(location.search).get('message');
  const listed = list.messages.map((/** @type {any} */ m) => m.id).filter((/** @type {string} */ x) => x !== linked);
  const ids = linked ? [linked, ...listed] : listed;
  // The list has no opens; each message's detail does. One page is at most 21 small requests.
  const details = (
    await Promise.all(ids.map((/** @type {string} */ id) => api('GET', `/messages/${enc(id)}`).catch(() => undefined)))
  ).filter(Boolean);
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}`;
  const suppressions = await optional(`${base}/suppressions`);
  const alerts = await optional(`${base}/bounce-alerts`);
  const status = statusLine();
  const q = input('q', search.q, { type: 'search' });
  const recipient = input('recipient', search.recipient, { type: 'email' });
  const state = select(
    'state',
    [['', t('messages.anyStatus')], ...STATES.map((s) => /** @type {[string, string]} */ ([s, t(`state.${s}`)]))],
    search.state,
  );
  const documentNo = input('document', search.document);
  const client = input('client', search.client);
  const from = input('from', search.from, { type: 'date' });
  const to = input('to', search.to, { type: 'date' });
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
          state: state.value,
          document: documentNo.value.trim(),
          client: client.value.trim(),
          from: from.value,
          to: to.value,
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
      field('messages-state', t('messages.status'), state),
    ),
    h(
      'div',
      { class: 'row' },
      field('messages-document', t('messages.document'), documentNo),
      field('messages-client', t('messages.client'), client, t('messages.clientHint')),
      field('messages-from', t('messages.from'), from),
      field('messages-to', t('messages.to'), to),
    ),
    h('button', { type: 'submit', class: 'primary' }, t('messages.search')),
    h('button', { type: 'button', onclick: () => ctx.rerender() }, t('messages.refresh')),
    h(
      'button',
      { type: 'button', onclick: () => downloadCsv(tenant).catch((err) => status.show(errorText(err), 'error')) },
      t('messages.csv'),
    ),
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
    alerts !== undefined ? bounceAlertSection(base, alerts) : null,
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
      m.state ? h('span', { class: `badge state-${m.state}` }, t(`state.${m.state}`)) : null,
      m.state ? ' · ' : '',
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
      h(
        'ul',
        { class: 'states' },
        m.recipients.flatMap((/** @type {any} */ r) =>
          (r.states ?? []).map((/** @type {any} */ e) =>
            h('li', {}, `${when(e.at)} · ${r.address} · `, h('strong', {}, t(`state.${e.state}`)), ` · ${e.detail}`),
          ),
        ),
      ),
    ),
    messageSource(m.id),
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
  if (r.state === 'replied') return t('state.replied');
  if (open?.status === 'read') return t('rcpt.read');
  if (open) return t('rcpt.automated');
  if (r.status === 'delivered') return t(`state.${r.state ?? 'sent'}`);
  if (r.status === 'deferred') return t('rcpt.deferredWhy', { reason: r.lastReply ?? '', next: when(r.nextAttemptAt) });
  if (r.status === 'bounced') return t('rcpt.bouncedWhy', { reason: r.lastReply ?? '' });
  return t(`rcpt.${r.status}`);
}

/** @param {any} r @param {any} open */
function statusClass(r, open) {
  if (r.state === 'replied') return 'replied';
  if (open?.status === 'read') return 'read';
  return open ? 'automated' : r.status;
}
