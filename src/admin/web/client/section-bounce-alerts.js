// @ts-check
import { api, enc } from './api.js';
import { field, h, input, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/** @typedef {import('./app.js').Ctx} Ctx */

/**
 * Bounce alerts: how the tenant hears of an invoice that did not arrive (at once, a daily digest, or not),
 * and after how many hours a deferral counts.
 * @param {string} base `/tenants/<id>`
 * @param {{ mode: string, deferredAfterHours: number | null }} settings
 */
export function bounceAlertSection(base, settings) {
  const status = statusLine();
  const mode = select(
    'alert-mode',
    ['immediate', 'daily', 'off'].map((m) => /** @type {[string, string]} */ ([m, t(`alerts.mode.${m}`)])),
    settings.mode,
  );
  const hours = input('alert-hours', settings.deferredAfterHours === null ? '' : String(settings.deferredAfterHours), {
    type: 'number',
    min: '1',
    max: '168',
  });
  const save = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    try {
      const value = hours.value.trim();
      await api('PUT', `${base}/bounce-alerts`, {
        mode: mode.value,
        deferredAfterHours: value === '' ? null : Number(value),
      });
      status.show(t('alerts.saved'), 'ok');
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  return h(
    'form',
    { class: 'card', 'aria-labelledby': 'alerts-title', onsubmit: save },
    h('h2', { id: 'alerts-title' }, t('alerts.title')),
    h('p', { class: 'hint' }, t('alerts.intro')),
    field('alert-mode', t('alerts.mode'), mode),
    field('alert-hours', t('alerts.hours'), hours, t('alerts.hoursHint')),
    h('button', { type: 'submit', class: 'primary' }, t('alerts.save')),
    status.el,
  );
}

/** @param {string} tenantId */
export function bounceAlertsPath(tenantId) {
  return `/tenants/${enc(tenantId)}/bounce-alerts`;
}
