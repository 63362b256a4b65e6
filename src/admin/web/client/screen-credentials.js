// @ts-check
import { api, enc } from './api.js';
import { copyButton, h, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { shownOnce } from './once.js';

/** @typedef {import('./app.js').Ctx} Ctx */

/**
 * The SMTP login to paste into the legacy software. The password is never shown (the API
 * keeps only its hash); rotate makes a new one, shown here once.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}/smtp-credentials`;
  const creds = await api('GET', base);
  const status = statusLine();
  const copied = statusLine();
  const fresh = h('div');
  const rotate = async () => {
    if (!confirm(t('credentials.confirm'))) return;
    try {
      const made = await api('POST', `${base}/rotate`, {});
      fresh.replaceChildren(shownOnce('new-password', t('credentials.newPassword'), made.password));
      status.show(t('credentials.rotated'), 'ok');
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'section',
    { 'aria-labelledby': 'credentials-title' },
    h('h1', { id: 'credentials-title', tabindex: '-1' }, t('credentials.title')),
    h(
      'div',
      { class: 'card' },
      h('p', {}, t('credentials.intro')),
      h(
        'dl',
        {},
        h('dt', {}, t('credentials.username')),
        h(
          'dd',
          {},
          h('code', { id: 'smtp-username' }, creds.username),
          ' ',
          copyButton(
            t('common.copy'),
            () => creds.username,
            (ok) => copied.show(t(ok ? 'common.copied' : 'common.copyFailed'), ok ? 'ok' : 'error'),
          ),
        ),
        h('dt', {}, t('credentials.password')),
        h('dd', {}, t(creds.hasPassword ? 'credentials.passwordSet' : 'credentials.passwordNone')),
        h('dt', {}, t('credentials.changed')),
        h('dd', {}, when(creds.updatedAt)),
      ),
      copied.el,
      h('button', { type: 'button', class: 'primary', onclick: rotate }, t('credentials.rotate')),
      h('p', { class: 'hint' }, t('credentials.rotateHint')),
      status.el,
      fresh,
    ),
  );
}
