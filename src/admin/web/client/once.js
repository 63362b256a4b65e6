// @ts-check
import { copyButton, h, statusLine } from './dom.js';
import { t } from './i18n.js';

/**
 * A secret the API shows exactly once (a new SMTP password, a new API token): in a read-only
 * field with a copy button, and the warning that it will not be shown again.
 * @param {string} id
 * @param {string} label
 * @param {string} secret
 */
export function shownOnce(id, label, secret) {
  const copied = statusLine();
  const box = h('input', {
    id,
    type: 'text',
    readonly: true,
    value: secret,
    class: 'secret',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  return h(
    'div',
    { class: 'once', role: 'alert' },
    h('label', { for: id }, label),
    box,
    copyButton(
      t('common.copy'),
      () => secret,
      (ok) => copied.show(t(ok ? 'common.copied' : 'common.copyFailed'), ok ? 'ok' : 'error'),
    ),
    h('p', { class: 'warning' }, t('common.shownOnce')),
    copied.el,
  );
}
