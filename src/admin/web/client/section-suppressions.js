// @ts-check
import { api, enc } from './api.js';
import { field, h, input, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * A suppressed address as GET /tenants/:id/suppressions lists it.
 * @typedef {object} Suppression
 * @property {string} address
 * @property {string} reason
 * @property {number} bounces
 * @property {number} createdAt
 * @property {number} [lastBounceAt]
 */

/**
 * Addresses mail is not sent to (hard bounces, or added by hand): shown only when this
 * server answers GET /tenants/:id/suppressions (the inbound MX).
 * @param {string} base `/tenants/<id>`
 * @param {{ suppressions: Suppression[] }} list
 * @param {import('./app.js').Ctx} ctx
 */
export function suppressionSection(base, list, ctx) {
  const status = statusLine();
  const address = input('address', '', { type: 'email', required: true });
  const reason = input('reason', '', { maxlength: '500' });
  const remove = (/** @type {string} */ addr) => async () => {
    try {
      await api('DELETE', `${base}/suppressions/${enc(addr)}`);
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'suppressions-title' },
    h('h2', { id: 'suppressions-title' }, t('suppressions.title')),
    h('p', { class: 'hint' }, t('suppressions.intro')),
    list.suppressions.length === 0
      ? h('p', {}, t('suppressions.none'))
      : h(
          'ul',
          { class: 'suppressions' },
          list.suppressions.map((s) =>
            h(
              'li',
              {},
              h('strong', {}, s.address),
              ` · ${when(s.lastBounceAt ?? s.createdAt)} · `,
              s.bounces > 0 ? t('suppressions.bounced', { count: s.bounces }) : t('suppressions.byHand'),
              ': ',
              h('code', {}, s.reason),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  onclick: remove(s.address),
                  'aria-label': t('suppressions.removeFor', { address: s.address }),
                },
                t('suppressions.remove'),
              ),
            ),
          ),
        ),
    h(
      'form',
      {
        'aria-labelledby': 'suppressions-add-title',
        onsubmit: async (/** @type {SubmitEvent} */ ev) => {
          ev.preventDefault();
          try {
            await api('POST', `${base}/suppressions`, {
              address: address.value.trim(),
              ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
            });
            ctx.rerender();
          } catch (err) {
            status.show(errorText(err), 'error');
          }
        },
      },
      h('h3', { id: 'suppressions-add-title' }, t('suppressions.add')),
      h(
        'div',
        { class: 'row' },
        field('suppress-address', t('suppressions.address'), address),
        field('suppress-reason', t('suppressions.reason'), reason),
      ),
      h('button', { type: 'submit' }, t('suppressions.addButton')),
    ),
    status.el,
  );
}
