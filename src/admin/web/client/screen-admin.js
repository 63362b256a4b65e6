// @ts-check
import { api, enc, optional, query } from './api.js';
import { field, h, input, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { shownOnce } from './once.js';
import { platformReportsCard } from './section-reports.js';
import { platformRecords } from './section-platform-records.js';

/** @typedef {import('./app.js').Ctx} Ctx */
const PAGE = 100;

/**
 * The admin's overview: every tenant with its health at a glance (queue, deferred, bounced
 * today, domain and Gmail problems), creating a tenant, and what is stuck in the queue.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const [{ tenants }, summary, deferred, platformReports] = await Promise.all([
    api('GET', `/tenants${query({ limit: PAGE })}`),
    api('GET', `/queue/summary${query({ limit: PAGE })}`),
    api('GET', `/messages${query({ status: 'deferred', limit: 20 })}`),
    optional('/platform/reports').catch(() => undefined),
  ]);
  /** @type {Map<string, any>} */
  const counts = new Map(summary.tenants.map((/** @type {any} */ s) => [s.tenantId, s.summary]));
  const problems = await Promise.all(tenants.map((/** @type {any} */ tn) => tenantProblems(tn.id)));
  const names = new Map(tenants.map((/** @type {any} */ tn) => [tn.id, tn.name]));
  const status = statusLine();
  const issued = h('div');
  return h(
    'section',
    { 'aria-labelledby': 'admin-title' },
    h('h1', { id: 'admin-title', tabindex: '-1' }, t('admin.title')),
    totals(summary.total),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'tenants-title' },
      h('h2', { id: 'tenants-title' }, t('admin.tenants')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['admin.name', 'admin.queued', 'admin.deferred', 'admin.bounced', 'admin.problems', ''].map((k) =>
                h('th', { scope: 'col' }, k ? t(k) : ''),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            tenants.map((/** @type {any} */ tn, /** @type {number} */ i) => {
              const c = counts.get(tn.id) ?? { queued: 0, deferred: 0, bouncedToday: 0 };
              const found = problems[i] ?? [];
              return h(
                'tr',
                { 'data-tenant': tn.id },
                h('th', { scope: 'row' }, tn.name),
                h('td', {}, String(c.queued)),
                h('td', { class: c.deferred > 0 ? 'warn' : '' }, String(c.deferred)),
                h('td', { class: c.bouncedToday > 0 ? 'warn' : '' }, String(c.bouncedToday)),
                h(
                  'td',
                  {},
                  found.length === 0
                    ? t('admin.healthy')
                    : h(
                        'ul',
                        {},
                        found.map((/** @type {string} */ p) => h('li', { class: 'warn' }, p)),
                      ),
                ),
                h(
                  'td',
                  { class: 'actions' },
                  h(
                    'button',
                    { type: 'button', onclick: () => ctx.choose(tn.id, tn.name) },
                    t('admin.open', { name: tn.name }),
                  ),
                  h('button', { type: 'button', onclick: () => issueToken(tn, issued, status) }, t('admin.token')),
                ),
              );
            }),
          ),
        ),
      ),
      status.el,
      issued,
    ),
    createForm(ctx),
    stuckList(deferred.messages, names),
    platformReports ? platformReportsCard(platformReports) : null,
    platformRecords(),
  );
}

/**
 * Deferred mail across tenants with its last reply, and "Retry now".
 * @param {any[]} messages
 * @param {Map<string, string>} names
 */
function stuckList(messages, names) {
  const status = statusLine();
  const retry = (/** @type {string} */ id) => async () => {
    try {
      await api('POST', `/messages/${enc(id)}/retry`, {});
      status.show(t('messages.retried'), 'ok');
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'stuck-title' },
    h('h2', { id: 'stuck-title' }, t('admin.stuck')),
    messages.length === 0
      ? h('p', {}, t('admin.nothingStuck'))
      : h(
          'ul',
          {},
          messages.map((m) =>
            h(
              'li',
              {},
              `${when(m.receivedAt)} · ${names.get(m.tenantId) ?? m.tenantId} · ${m.subject ?? ''} · `,
              h('code', {}, m.recipients.find((/** @type {any} */ r) => r.status === 'deferred')?.lastReply ?? ''),
              ' ',
              h('button', { type: 'button', onclick: retry(m.id) }, t('messages.retry')),
            ),
          ),
        ),
    status.el,
  );
}

/** @param {any} total */
function totals(total) {
  const items = [
    ['admin.messages', total.messages],
    ['admin.queued', total.queued],
    ['admin.deferred', total.deferred],
    ['admin.held', total.held],
    ['admin.bounced', total.bouncedToday],
    ['admin.delivered', total.deliveredToday],
  ];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'queue-title' },
    h('h2', { id: 'queue-title' }, t('admin.queue')),
    h(
      'dl',
      { class: 'totals' },
      items.map(([k, v]) => [h('dt', {}, t(String(k))), h('dd', {}, String(v))]),
    ),
  );
}

/**
 * Domain problems (failing, or waiting for DNS) and a broken Gmail or Microsoft 365 link, in words.
 * @param {string} id
 * @returns {Promise<string[]>}
 */
async function tenantProblems(id) {
  const base = `/tenants/${enc(id)}`;
  const [domains, gmail, microsoft] = await Promise.all([
    api('GET', `${base}/domains`).catch(() => ({ domains: [] })),
    optional(`${base}/gmail`).catch(() => undefined),
    optional(`${base}/microsoft365`).catch(() => undefined),
  ]);
  const out = domains.domains
    .filter((/** @type {any} */ d) => d.status !== 'active')
    .map((/** @type {any} */ d) =>
      t(d.status === 'failing' ? 'admin.domainFailing' : 'admin.domainPending', { domain: d.domain }),
    );
  if (gmail?.status === 'broken') out.push(t('admin.gmailBroken'));
  if (microsoft?.status === 'broken') out.push(t('admin.microsoftBroken'));
  return out;
}

/** @param {any} tenant @param {HTMLElement} into @param {ReturnType<typeof statusLine>} status */
async function issueToken(tenant, into, status) {
  try {
    const made = await api('POST', `/tenants/${enc(tenant.id)}/tokens`, {});
    into.replaceChildren(shownOnce('new-token', t('admin.tokenFor', { name: tenant.name }), made.token));
  } catch (err) {
    status.show(errorText(err), 'error');
  }
}

/** @param {Ctx} ctx */
function createForm(ctx) {
  const status = statusLine();
  const name = input('name', '', { required: true, autocomplete: 'organization' });
  const result = h('div');
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'create-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        try {
          const made = await api('POST', '/tenants', { name: name.value.trim() });
          status.show(t('admin.created', { name: made.tenant.name, user: made.smtp.username }), 'ok');
          result.replaceChildren(
            shownOnce('created-password', t('admin.createdPassword', { user: made.smtp.username }), made.smtp.password),
            h('button', { type: 'button', onclick: () => ctx.rerender() }, t('admin.reload')),
          );
          name.value = '';
        } catch (err) {
          status.show(errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'create-title' }, t('admin.create')),
    field('tenant-name', t('admin.name'), name),
    h('button', { type: 'submit', class: 'primary' }, t('admin.createButton')),
    status.el,
    result,
  );
}
