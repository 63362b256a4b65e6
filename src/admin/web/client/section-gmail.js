// @ts-check
import { api } from './api.js';
import { h, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * @typedef {object} GmailView
 * @property {'unlinked' | 'linked' | 'broken'} status
 * @property {string} [address]
 * @property {number} [dailyLimit]
 * @property {number} [sentToday]
 * @property {string} [brokenReason]
 */

/**
 * "Link Gmail": shown only when this server answers GET /tenants/:id/gmail (Gmail mode is
 * configured here). Linking is Google's consent page; the API gives its address and we go there.
 * @param {string} base
 * @param {GmailView} gmail
 * @param {import('./app.js').Ctx} ctx
 */
export function gmailSection(base, gmail, ctx) {
  const status = statusLine();
  const link = async () => {
    try {
      const { consentUrl } = await api('POST', `${base}/gmail/link`, {});
      // only a web address: never let an answer turn into a javascript: navigation
      if (!/^https?:\/\//i.test(String(consentUrl))) throw new Error('not a web address');
      location.assign(consentUrl);
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const unlink = async () => {
    try {
      await api('DELETE', `${base}/gmail/link`);
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const state =
    gmail.status === 'linked'
      ? t('gmail.linked', { address: gmail.address ?? '' })
      : gmail.status === 'broken'
        ? t('gmail.broken', { reason: gmail.brokenReason ?? '' })
        : t('gmail.unlinked');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'gmail-title' },
    h('h2', { id: 'gmail-title' }, t('gmail.title')),
    h('p', { class: gmail.status === 'broken' ? 'status error' : '' }, state),
    gmail.dailyLimit !== undefined
      ? h('p', { class: 'hint' }, t('gmail.usage', { sent: gmail.sentToday ?? 0, limit: gmail.dailyLimit }))
      : null,
    h(
      'button',
      { type: 'button', class: 'primary', onclick: link },
      t(gmail.status === 'unlinked' ? 'gmail.link' : 'gmail.relink'),
    ),
    gmail.status !== 'unlinked' ? h('button', { type: 'button', onclick: unlink }, t('gmail.unlink')) : null,
    status.el,
  );
}
