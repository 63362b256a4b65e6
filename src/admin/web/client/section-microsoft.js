// @ts-check
import { api } from './api.js';
import { field, h, input, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * @typedef {object} MicrosoftView
 * @property {'unlinked' | 'linked' | 'broken'} status
 * @property {string} [address]
 * @property {string[]} [sendAs]
 * @property {number} [dailyRecipientLimit]
 * @property {number} [recipientsToday]
 * @property {string} [brokenReason]
 */

/**
 * "Link Microsoft 365": shown only when this server answers GET /tenants/:id/microsoft365 (the
 * mode is configured here). Linking is Microsoft's sign-in page; the API gives its address.
 * @param {string} base
 * @param {MicrosoftView} link
 * @param {import('./app.js').Ctx} ctx
 */
export function microsoftSection(base, link, ctx) {
  const status = statusLine();
  const start = async () => {
    try {
      const { consentUrl } = await api('POST', `${base}/microsoft365/link`, {});
      // only a web address: never let an answer turn into a javascript: navigation
      if (!/^https?:\/\//i.test(String(consentUrl))) throw new Error('not a web address');
      location.assign(consentUrl);
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const unlink = async () => {
    try {
      await api('DELETE', `${base}/microsoft365/link`);
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const state =
    link.status === 'linked'
      ? t('microsoft.linked', { address: link.address ?? '' })
      : link.status === 'broken'
        ? t('microsoft.broken', { reason: link.brokenReason ?? '' })
        : t('microsoft.unlinked');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'microsoft-title' },
    h('h2', { id: 'microsoft-title' }, t('microsoft.title')),
    h('p', { class: link.status === 'broken' ? 'status error' : '', id: 'microsoft-state' }, state),
    link.sendAs && link.sendAs.length > 0
      ? h('p', { class: 'hint' }, t('microsoft.sendAs', { addresses: link.sendAs.join(', ') }))
      : null,
    link.dailyRecipientLimit !== undefined
      ? h(
          'p',
          { class: 'hint' },
          t('microsoft.usage', { sent: link.recipientsToday ?? 0, limit: link.dailyRecipientLimit }),
        )
      : null,
    h(
      'button',
      { type: 'button', class: 'primary', onclick: start },
      t(link.status === 'unlinked' ? 'microsoft.link' : 'microsoft.relink'),
    ),
    link.status !== 'unlinked' ? h('button', { type: 'button', onclick: unlink }, t('microsoft.unlink')) : null,
    status.el,
    link.status === 'linked' ? testForm(base) : null,
  );
}

/** @param {string} base */
function testForm(base) {
  const status = statusLine();
  const to = input('microsoftTestTo', '', { type: 'email' });
  return h(
    'div',
    {},
    h('h3', {}, t('microsoft.testTitle')),
    field('microsoft-test-to', t('microsoft.testTo'), to),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          status.show(t('microsoft.testing'));
          try {
            const result = await api('POST', `${base}/microsoft365/test-send`, { to: to.value.trim() });
            status.show(
              t(result.ok ? 'microsoft.testOk' : 'microsoft.testFailed', { summary: result.summary }),
              result.ok ? 'ok' : 'error',
            );
          } catch (err) {
            status.show(errorText(err), 'error');
          }
        },
      },
      t('microsoft.test'),
    ),
    status.el,
  );
}
