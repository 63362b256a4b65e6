// @ts-check
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * What receivers report about a domain (GET …/domains/:domain/reports, or one entry of the
 * admin's GET /platform/reports): who sends as it, DMARC/DKIM/SPF pass and fail, TLS failures
 * by type, and what to fix in the API's words (in the page's language).
 * @param {any} summary
 * @param {string} slug an id-safe form of the domain, for the headings' ids
 */
export function reportSection(summary, slug) {
  const d = summary.dmarc;
  const id = `reports-${slug}`;
  return h(
    'section',
    { class: 'reports', 'aria-labelledby': id, 'data-reports': summary.domain },
    h('h3', { id }, t('reports.title')),
    d.reports + summary.tls.reports === 0
      ? null
      : h(
          'p',
          {},
          t('reports.counts', {
            messages: d.messages,
            pass: d.dmarc.pass,
            fail: d.dmarc.fail,
            dkim: d.dkim.pass,
            spf: d.spf.pass,
          }),
        ),
    d.sources.length === 0 ? null : sourcesTable(d.sources),
    summary.tls.reports === 0
      ? null
      : h(
          'p',
          {},
          t('reports.tls', { ok: summary.tls.successes, failed: summary.tls.failures }),
          ...summary.tls.failureTypes.map((/** @type {any} */ f) =>
            h('span', { class: 'tag' }, ` ${f.resultType}: ${f.count}`),
          ),
        ),
    h('h4', {}, t('reports.fix')),
    h(
      'ul',
      { class: 'report-advice' },
      summary.whatToFix.map((/** @type {any} */ a) => h('li', { 'data-code': a.code }, a.advice)),
    ),
  );
}

/** @param {any[]} sources */
function sourcesTable(sources) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, t('reports.sources')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['reports.ip', 'reports.messages', 'reports.failed'].map((k) => h('th', { scope: 'col' }, t(k))),
        ),
      ),
      h(
        'tbody',
        {},
        sources.map((s) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, s.ip),
            h('td', {}, String(s.messages)),
            h('td', { class: s.fail > 0 ? 'warn' : '' }, String(s.fail)),
          ),
        ),
      ),
    ),
  );
}

/**
 * The operator's view of the platform domains' reports (GET /platform/reports), on the admin page.
 * @param {{ domains: any[] }} list
 */
export function platformReportsCard(list) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'platform-reports-title' },
    h('h2', { id: 'platform-reports-title' }, t('admin.platformReports')),
    list.domains.length === 0
      ? h('p', {}, t('admin.noPlatformReports'))
      : list.domains.map((s) =>
          h(
            'div',
            {},
            h('h3', {}, s.domain),
            reportSection(s, `platform-${String(s.domain).replace(/[^a-z0-9]/g, '-')}`),
          ),
        ),
  );
}
