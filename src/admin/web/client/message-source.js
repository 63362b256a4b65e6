// @ts-check
import { api, enc } from './api.js';
import { h, replace } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * The message's source, as sent (after rewrite, tracking pixel and DKIM) or as the software handed it in:
 * a toggle of two buttons over one <pre>, loaded from GET /messages/:id/rendered when first opened.
 * @param {string} id
 */
export function messageSource(id) {
  const pre = h('pre', { class: 'source' });
  /** @type {any} */
  let loaded;
  const show = async (/** @type {'sent' | 'original'} */ which) => {
    try {
      loaded ??= await api('GET', `/messages/${enc(id)}/rendered`);
      const part = loaded[which];
      replace(pre, part ? (part.text ?? t('source.binary')) : t(`source.none.${which}`));
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.which === which));
    } catch (err) {
      replace(pre, errorText(err));
    }
  };
  const button = (/** @type {'sent' | 'original'} */ which) =>
    h(
      'button',
      { type: 'button', 'data-which': which, 'aria-pressed': 'false', onclick: () => show(which) },
      t(`source.${which}`),
    );
  const buttons = [button('sent'), button('original')];
  return h(
    'details',
    {
      class: 'source',
      ontoggle: (/** @type {Event} */ ev) => {
        if (/** @type {HTMLDetailsElement} */ (ev.target).open && loaded === undefined) void show('sent');
      },
    },
    h('summary', {}, t('source.title')),
    h('div', { class: 'actions', role: 'group', 'aria-label': t('source.title') }, buttons),
    pre,
  );
}
