// @ts-check
import { api, enc, optional } from './api.js';
import { field, h, input, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * Peppol delivery as GET /tenants/:id/peppol answers it (the token itself never comes back).
 * @typedef {object} PeppolSettings
 * @property {boolean} enabled
 * @property {string | null} accessPointUrl
 * @property {boolean} hasToken
 * @property {'alongside' | 'instead'} mode
 * @property {string | null} senderId
 * @property {{ address: string, participantId: string }[]} recipients
 */

/**
 * Peppol delivery: the access point, the mode, and the customers' participant ids. Shown only
 * when this server answers GET /tenants/:id/peppol.
 * @param {string} base `/tenants/<id>`
 * @param {import('./app.js').Ctx} ctx
 */
export async function peppolSection(base, ctx) {
  /** @type {PeppolSettings | undefined} */
  const settings = await optional(`${base}/peppol`);
  if (settings === undefined) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'peppol-title' },
    h('h2', { id: 'peppol-title' }, t('peppol.title')),
    h('p', { class: 'hint' }, t('peppol.intro')),
    settingsForm(base, settings, ctx),
    recipientList(base, settings, ctx),
  );
}

/** @param {string} base @param {PeppolSettings} s @param {import('./app.js').Ctx} ctx */
function settingsForm(base, s, ctx) {
  const status = statusLine();
  const enabled = /** @type {HTMLInputElement} */ (
    h('input', { type: 'checkbox', id: 'peppol-enabled', name: 'enabled', checked: s.enabled })
  );
  const url = input('accessPointUrl', s.accessPointUrl ?? '', { type: 'url', placeholder: 'https://' });
  const token = input('token', '', {
    type: 'password',
    autocomplete: 'new-password',
    placeholder: s.hasToken ? t('peppol.tokenKept') : '',
  });
  const mode = select(
    'mode',
    ['alongside', 'instead'].map((m) => [m, t(`peppol.mode.${m}`)]),
    s.mode,
  );
  const sender = input('senderId', s.senderId ?? '', { placeholder: '0208:0123456789' });
  const submit = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = { enabled: enabled.checked, mode: mode.value };
    body.accessPointUrl = url.value.trim() === '' ? null : url.value.trim();
    body.senderId = sender.value.trim() === '' ? null : sender.value.trim();
    if (token.value !== '') body.token = token.value;
    try {
      await api('PUT', `${base}/peppol`, body);
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'form',
    { 'aria-label': t('peppol.title'), onsubmit: submit },
    h('div', { class: 'choice' }, enabled, h('label', { for: 'peppol-enabled' }, t('peppol.enabled'))),
    field('peppol-url', t('peppol.url'), url, t('peppol.urlHint')),
    field('peppol-token', t('peppol.token'), token),
    field('peppol-mode', t('peppol.modeLabel'), mode),
    field('peppol-sender', t('peppol.senderId'), sender),
    h('button', { type: 'submit' }, t('peppol.save')),
    status.el,
  );
}

/** @param {string} base @param {PeppolSettings} s @param {import('./app.js').Ctx} ctx */
function recipientList(base, s, ctx) {
  const status = statusLine();
  const address = input('address', '', { type: 'email', required: true });
  const id = input('participantId', '', { required: true, placeholder: '0208:0123456789' });
  const remove = (/** @type {string} */ addr) => async () => {
    try {
      await api('DELETE', `${base}/peppol/recipients/${enc(addr)}`);
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const add = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    try {
      await api('POST', `${base}/peppol/recipients`, { address: address.value.trim(), participantId: id.value.trim() });
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'div',
    {},
    h('h3', { id: 'peppol-recipients-title' }, t('peppol.recipients')),
    s.recipients.length === 0
      ? h('p', {}, t('peppol.none'))
      : h(
          'ul',
          { class: 'peppol-recipients', 'aria-labelledby': 'peppol-recipients-title' },
          s.recipients.map((r) =>
            h(
              'li',
              {},
              h('strong', {}, r.address),
              ' → ',
              h('code', {}, r.participantId),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  onclick: remove(r.address),
                  'aria-label': t('peppol.removeFor', { address: r.address }),
                },
                t('peppol.remove'),
              ),
            ),
          ),
        ),
    h(
      'form',
      { 'aria-label': t('peppol.add'), onsubmit: add },
      h(
        'div',
        { class: 'row' },
        field('peppol-address', t('peppol.address'), address),
        field('peppol-participant', t('peppol.participantId'), id),
      ),
      h('button', { type: 'submit' }, t('peppol.addButton')),
    ),
    status.el,
  );
}
