// @ts-check
import { api } from './api.js';
import { h, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * The platform's own DNS records on the admin screen: what to publish for the sending and bounce
 * domains and the HELO name, each checked on request (the lookups take a moment, so not at every render).
 */
export function platformRecords() {
  const status = statusLine();
  const results = h('div', { class: 'platform-records' });
  const check = async () => {
    status.show(t('platform.checking'));
    try {
      const report = await api('GET', '/platform/dns-records');
      results.replaceChildren(recordsTable(report.records));
      status.show(t(report.ok ? 'platform.allOk' : 'platform.notOk'), report.ok ? 'ok' : 'error');
    } catch (err) {
      results.replaceChildren();
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'platform-title' },
    h('h2', { id: 'platform-title' }, t('platform.title')),
    h('p', { class: 'hint' }, t('platform.intro')),
    h('button', { type: 'button', class: 'primary', onclick: check }, t('platform.check')),
    status.el,
    results,
  );
}

/** @param {any[]} records */
function recordsTable(records) {
  return h(
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
          [t('dns.type'), t('dns.name'), t('dns.value'), t('platform.result')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        records.map((/** @type {any} */ r) =>
          h(
            'tr',
            { class: `check ${r.status}`, 'data-record': r.record },
            h('td', {}, r.type),
            h('td', {}, h('code', {}, r.name)),
            h(
              'td',
              {},
              h('code', { class: 'dns-value' }, r.expected),
              h('p', { class: 'hint' }, `${r.purpose} (${t(r.required ? 'platform.required' : 'platform.optional')})`),
            ),
            h('td', {}, h('strong', {}, t(`check.${r.status}`)), ' ', r.advice),
          ),
        ),
      ),
    ),
  );
}
