// @ts-check
import { api, enc, optional } from './api.js';
import { copyButton, field, h, input, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { reportSection } from './section-reports.js';

/** @typedef {import('./app.js').Ctx} Ctx */

/**
 * Sending domains: add one, publish its records (copy-ready), then "Check and activate",
 * which shows each record's result in the API's plain words.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}/domains`;
  const { domains } = await api('GET', base);
  // DMARC/TLS reports of proven domains (absent on a server without the inbound MX: no section then)
  const reports = await Promise.all(
    domains.map((/** @type {any} */ d) =>
      d.status === 'pending' ? undefined : optional(`${base}/${enc(d.domain)}/reports`).catch(() => undefined),
    ),
  );
  const status = statusLine();
  const name = input('domain', '', { autocomplete: 'off', placeholder: 'acme.nl', required: true });
  const add = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'domain-add-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        try {
          await api('POST', base, { domain: name.value.trim() });
          ctx.rerender();
        } catch (err) {
          status.show(errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'domain-add-title' }, t('domains.add')),
    field('domain-name', t('domains.name'), name, t('domains.nameHint')),
    h('button', { type: 'submit', class: 'primary' }, t('domains.addButton')),
    status.el,
  );
  return h(
    'section',
    { 'aria-labelledby': 'domains-title' },
    h('h1', { id: 'domains-title', tabindex: '-1' }, t('domains.title')),
    h('p', {}, t('domains.intro')),
    domains.map((/** @type {any} */ d, /** @type {number} */ i) => domainCard(base, d, undefined, reports[i])),
    add,
  );
}

/**
 * @param {string} base
 * @param {any} domain
 * @param {{ text: string, kind: 'ok' | 'error' }} [note] the outcome of the check that produced `domain`
 * @param {any} [reports] what receivers reported about the domain, when the server has them
 */
function domainCard(base, domain, note, reports) {
  const slug = domain.domain.replace(/[^a-z0-9]/g, '-');
  const status = statusLine();
  if (note) status.show(note.text, note.kind);
  const results = h('div', { class: 'check-results' });
  const showCheck = (/** @type {any} */ d) => {
    results.replaceChildren();
    if (!d.lastCheck) return;
    results.append(
      h('h3', {}, t('domains.lastCheck', { when: when(d.lastCheck.at) })),
      h(
        'ul',
        { class: 'checks' },
        d.lastCheck.records.map((/** @type {any} */ r) =>
          h(
            'li',
            { class: `check ${r.status}` },
            h(
              'strong',
              {},
              `${t(`record.${r.record}`)}${r.selector ? ` (${r.selector})` : ''}: ${t(`check.${r.status}`)}`,
            ),
            ' ',
            r.advice,
          ),
        ),
      ),
    );
  };
  const badge = h('span', { class: `badge ${domain.status}` }, t(`domain.${domain.status}`));
  const check = async () => {
    status.show(t('domains.checking'));
    try {
      const after = await api('POST', `${base}/${enc(domain.domain)}/check`);
      const active = after.status === 'active';
      // the whole card again: status, the records' actions (now "keep") and the results
      const next = domainCard(base, after, {
        text: t(active ? 'domains.activated' : 'domains.notYet'),
        kind: active ? 'ok' : 'error',
      });
      card.replaceWith(next);
      next.querySelector('h2')?.focus();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  showCheck(domain);
  const copied = statusLine();
  const card = h(
    'section',
    { class: 'card', 'aria-labelledby': `domain-${slug}` },
    h('h2', { id: `domain-${slug}`, tabindex: '-1' }, domain.domain, ' ', badge),
    domain.failingReason ? h('p', { class: 'status error' }, domain.failingReason) : null,
    h('p', {}, t('domains.publish')),
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
            [t('dns.type'), t('dns.name'), t('dns.value'), t('dns.action'), ''].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          domain.records.map((/** @type {any} */ r) =>
            h(
              'tr',
              {},
              h('td', {}, r.type),
              h(
                'td',
                {},
                h('code', {}, r.name),
                ' ',
                copyButton(
                  t('common.copyName'),
                  () => r.name,
                  (ok) => copied.show(t(ok ? 'common.copied' : 'common.copyFailed'), ok ? 'ok' : 'error'),
                ),
              ),
              h('td', {}, h('code', { class: 'dns-value' }, r.value), h('p', { class: 'hint' }, r.purpose)),
              h('td', {}, t(`dns.action.${r.action}`)),
              h(
                'td',
                {},
                copyButton(
                  t('common.copyValue'),
                  () => r.value,
                  (ok) => copied.show(t(ok ? 'common.copied' : 'common.copyFailed'), ok ? 'ok' : 'error'),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    copied.el,
    h('button', { type: 'button', class: 'primary', onclick: check }, t('domains.check')),
    status.el,
    results,
    reports ? reportSection(reports, slug) : null,
  );
  return card;
}
