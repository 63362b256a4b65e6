// @ts-check
import { api, enc } from './api.js';
import { field, h, input } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * "Resend" on a message of the log: to the same recipients, or to a corrected address. The
 * resend is a new message linked to this one; the list shows both.
 * @param {any} m the message as GET /messages/:id gives it
 * @param {{ show(text: string, kind?: 'ok' | 'error' | 'info'): void }} status
 * @param {() => void} rerender
 */
export function resendSection(m, status, rerender) {
  if (m.kind !== 'mail') return null;
  const clients = m.recipients
    .filter((/** @type {any} */ r) => (r.role ?? 'client') === 'client')
    .map((/** @type {any} */ r) => r.address);
  const to = input('to', clients.join(', '), { type: 'text' });
  const send = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    const wanted = to.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const same = wanted.length === clients.length && wanted.every((a) => clients.includes(a));
    try {
      const { message } = await api('POST', `/messages/${enc(m.id)}/resend`, same ? {} : { to: wanted });
      status.show(t('resend.queued', { id: message.id }), 'ok');
      rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'details',
    { class: 'resend' },
    h('summary', {}, t('resend.title')),
    m.resentFrom ? h('p', { class: 'hint' }, t('resend.of', { id: m.resentFrom })) : null,
    m.resentAs?.length ? h('p', { class: 'hint' }, t('resend.as', { ids: m.resentAs.join(', ') })) : null,
    h(
      'form',
      { onsubmit: send },
      field(`resend-to-${m.id}`, t('resend.to'), to, t('resend.hint')),
      h('button', { type: 'submit' }, t('resend.button')),
    ),
  );
}
