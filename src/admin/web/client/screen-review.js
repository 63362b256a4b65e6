// @ts-check
import { api, enc, optional } from './api.js';
import { field, h, input, select, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { showHtml } from './preview-html.js';

/** @typedef {import('./app.js').Ctx} Ctx */

/**
 * Review: the messages held before they leave, each with the rendered preview (subject, text,
 * HTML as the client would see it), an editor for subject and text, and release or cancel;
 * below, the rules that decide what is held and what a forgotten hold does.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}`;
  const [list, rules] = await Promise.all([api('GET', `${base}/review`), optional(`${base}/review-rules`)]);
  const status = statusLine();
  return h(
    'section',
    { 'aria-labelledby': 'review-title' },
    h('h1', { id: 'review-title', tabindex: '-1' }, t('review.title')),
    h('p', { class: 'hint' }, t('review.intro')),
    status.el,
    list.held.length === 0
      ? h('p', {}, t('review.none'))
      : h(
          'ul',
          { class: 'messages review' },
          list.held.map((/** @type {any} */ held) => heldItem(held, ctx, status)),
        ),
    rules ? rulesForm(base, rules, ctx) : null,
  );
}

/** @param {any} held @param {Ctx} ctx @param {ReturnType<typeof statusLine>} status */
function heldItem(held, ctx, status) {
  const m = held.message;
  const p = held.preview ?? { subject: m.subject ?? '', text: '', to: [] };
  const id = enc(m.id);
  const subject = input(`subject-${m.id}`, p.subject, { maxlength: '998' });
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: `text-${m.id}`, rows: '10' }));
  text.value = p.text;
  const html = h('div', { class: 'preview-html', role: 'region', 'aria-label': t('review.html') });
  if (p.html) showHtml(html, p.html);
  const act = (/** @type {string} */ path, /** @type {string} */ done, /** @type {string} */ ask) => async () => {
    if (ask && !confirm(t(ask))) return;
    try {
      await api('POST', `/messages/${id}/review/${path}`, {});
      status.show(t(done), 'ok');
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const save = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    try {
      await api('PATCH', `/messages/${id}/review`, { subject: subject.value, text: text.value });
      status.show(t('review.saved'), 'ok');
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'li',
    { class: 'card message', 'data-id': m.id },
    h('h2', {}, p.subject || t('messages.noSubject')),
    h(
      'p',
      { class: 'hint' },
      t('review.heldSince', { when: when(m.review.heldAt) }),
      ` · ${t(`review.reason.${m.review.reason}`)}: ${m.review.detail}`,
    ),
    h('p', {}, t('review.to', { to: p.to.join(', ') })),
    p.html ? html : h('pre', { class: 'preview-text' }, p.text),
    h(
      'form',
      { onsubmit: save, 'aria-label': t('review.edit') },
      field(`review-subject-${m.id}`, t('review.subject'), subject),
      field(`review-text-${m.id}`, t('review.text'), text, t('review.textHint')),
      h('button', { type: 'submit' }, t('review.saveEdit')),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'primary', onclick: act('release', 'review.released', '') },
        t('review.release'),
      ),
      h(
        'button',
        { type: 'button', onclick: act('cancel', 'review.cancelled', 'review.confirmCancel') },
        t('review.cancel'),
      ),
    ),
  );
}

/** @param {string} base @param {any} rules @param {Ctx} ctx */
function rulesForm(base, rules, ctx) {
  const status = statusLine();
  const types = input('review-types', rules.documentTypes.join(', '));
  const after = input('review-after', String(rules.afterSettingsChange), { type: 'number', min: '0', max: '1000' });
  const header = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: rules.header }));
  const hours = input('review-hours', String(rules.expiry.afterHours), { type: 'number', min: '0.001', step: 'any' });
  const action = select(
    'review-action',
    [
      ['release', t('review.expiryRelease')],
      ['cancel', t('review.expiryCancel')],
    ],
    rules.expiry.action,
  );
  const submit = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    try {
      await api('PUT', `${base}/review-rules`, {
        documentTypes: types.value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
        afterSettingsChange: Number(after.value),
        header: header.checked,
        expiry: { afterHours: Number(hours.value), action: action.value },
      });
      status.show(t('common.saved'), 'ok');
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'form',
    { class: 'card', 'aria-labelledby': 'review-rules-title', onsubmit: submit },
    h('h2', { id: 'review-rules-title' }, t('review.rules')),
    field('review-types', t('review.types'), types, t('review.typesHint')),
    field('review-after', t('review.after'), after, t('review.afterHint')),
    field('review-header', t('review.header'), header),
    h(
      'div',
      { class: 'row' },
      field('review-hours', t('review.hours'), hours),
      field('review-action', t('review.action'), action),
    ),
    h('button', { type: 'submit', class: 'primary' }, t('common.save')),
    status.el,
  );
}
