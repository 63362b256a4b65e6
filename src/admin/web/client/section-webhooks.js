// @ts-check
import { api, enc } from './api.js';
import { field, h, input, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { shownOnce } from './once.js';

/**
 * An endpoint as GET /tenants/:id/webhooks lists it (never its secret).
 * @typedef {object} Endpoint
 * @property {string} id
 * @property {string} url
 * @property {string[]} events
 * @property {boolean} enabled
 * @property {string} [disabledReason]
 * @property {number} [previousSecretRetiresAt]
 * @property {Health} health
 */

/**
 * @typedef {object} Health
 * @property {number} [lastSuccessAt]
 * @property {number} [lastFailureAt]
 * @property {string} [lastError]
 * @property {number} consecutiveFailures
 */

/**
 * One delivery of an event to an endpoint.
 * @typedef {object} Delivery
 * @property {string} id
 * @property {string} eventId
 * @property {string} type
 * @property {'pending' | 'delivered' | 'failed'} status
 * @property {number} attempts
 * @property {number} createdAt
 * @property {number} [lastStatus]
 * @property {string} [lastError]
 */

/** Recent deliveries shown per endpoint. */
const RECENT = 10;

/**
 * Webhooks: the tenant's endpoints, each with its health, recent deliveries (a failed one can be
 * sent again), a test event, secret rotation and removal; and a form to add one. A new or rotated
 * secret is shown once.
 * @param {import('./app.js').Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}/webhooks`;
  const [{ endpoints }, { types }] = await Promise.all([api('GET', base), api('GET', '/webhook-events')]);
  const fresh = h('div');
  const cards = await Promise.all(/** @type {Endpoint[]} */ (endpoints).map((e) => endpointCard(base, e, fresh, ctx)));
  return h(
    'section',
    { 'aria-labelledby': 'webhooks-title' },
    h('h1', { id: 'webhooks-title', tabindex: '-1' }, t('webhooks.title')),
    h('p', { class: 'hint' }, t('webhooks.intro')),
    fresh,
    cards.length === 0 ? h('p', {}, t('webhooks.none')) : h('div', {}, cards),
    addForm(base, /** @type {string[]} */ (types), fresh, ctx),
  );
}

/**
 * @param {string} base
 * @param {Endpoint} e
 * @param {HTMLElement} fresh where a rotated secret is shown once
 * @param {import('./app.js').Ctx} ctx
 */
async function endpointCard(base, e, fresh, ctx) {
  const path = `${base}/${enc(e.id)}`;
  const status = statusLine();
  const { deliveries } = await api('GET', `${path}/deliveries?limit=${RECENT}`);
  const act = (/** @type {() => Promise<void>} */ work) => async () => {
    try {
      await work();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const test = act(async () => {
    const d = await api('POST', `${path}/test`, {});
    const ok = d.status === 'delivered';
    status.show(t(ok ? 'webhooks.testOk' : 'webhooks.testFailed', { why: d.lastError ?? '' }), ok ? 'ok' : 'error');
  });
  const rotate = act(async () => {
    if (!confirm(t('webhooks.rotateConfirm'))) return;
    const made = await api('POST', `${path}/rotate-secret`, {});
    fresh.replaceChildren(shownOnce(`secret-${e.id}`, t('webhooks.newSecret', { url: e.url }), made.secret));
  });
  const toggle = act(async () => {
    await api('PATCH', path, { enabled: !e.enabled });
    ctx.rerender();
  });
  const remove = act(async () => {
    if (!confirm(t('webhooks.removeConfirm', { url: e.url }))) return;
    await api('DELETE', path);
    ctx.rerender();
  });
  const replay = (/** @type {Delivery} */ d) =>
    act(async () => {
      await api('POST', `${path}/replay`, { eventId: d.eventId });
      status.show(t('webhooks.replayed'), 'ok');
    });
  return h(
    'article',
    { class: 'card webhook', 'aria-label': e.url },
    h('h2', {}, h('code', {}, e.url)),
    h(
      'p',
      {},
      e.enabled ? t('webhooks.enabled') : t('webhooks.disabled'),
      e.disabledReason ? ` (${e.disabledReason})` : '',
    ),
    h('p', { class: 'hint' }, e.events.join(', ')),
    health(e),
    e.previousSecretRetiresAt ? h('p', {}, t('webhooks.rotating', { until: when(e.previousSecretRetiresAt) })) : null,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', onclick: test }, t('webhooks.test')),
      h('button', { type: 'button', onclick: rotate }, t('webhooks.rotate')),
      h('button', { type: 'button', onclick: toggle }, e.enabled ? t('webhooks.disable') : t('webhooks.enable')),
      h('button', { type: 'button', onclick: remove }, t('webhooks.remove')),
    ),
    status.el,
    deliveryList(/** @type {Delivery[]} */ (deliveries), replay),
  );
}

/** @param {Endpoint} e */
function health(e) {
  const hl = e.health;
  return h(
    'p',
    { class: 'webhook-health' },
    hl.lastSuccessAt ? t('webhooks.lastSuccess', { at: when(hl.lastSuccessAt) }) : t('webhooks.noSuccess'),
    hl.consecutiveFailures > 0
      ? ` · ${t('webhooks.failing', { count: hl.consecutiveFailures, error: hl.lastError ?? '' })}`
      : '',
  );
}

/**
 * @param {Delivery[]} deliveries
 * @param {(d: Delivery) => () => Promise<void>} replay
 */
function deliveryList(deliveries, replay) {
  if (deliveries.length === 0) return h('p', { class: 'hint' }, t('webhooks.noDeliveries'));
  return h(
    'ul',
    { class: 'webhook-deliveries', 'aria-label': t('webhooks.deliveries') },
    deliveries.map((d) =>
      h(
        'li',
        {},
        `${when(d.createdAt)} · ${d.type} · `,
        h('strong', {}, t(`webhooks.status.${d.status}`)),
        d.lastError ? ` · ${d.lastError}` : '',
        d.status === 'failed' ? h('button', { type: 'button', onclick: replay(d) }, t('webhooks.replay')) : null,
      ),
    ),
  );
}

/**
 * @param {string} base
 * @param {string[]} types
 * @param {HTMLElement} fresh where the new endpoint's secret is shown once
 * @param {import('./app.js').Ctx} ctx
 */
function addForm(base, types, fresh, ctx) {
  const status = statusLine();
  const url = input('url', '', { type: 'url', required: true, placeholder: 'https://' });
  const boxes = types.map((type) => /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: type })));
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'webhooks-add-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        try {
          const events = boxes.filter((b) => b.checked).map((b) => b.value);
          const made = await api('POST', base, { url: url.value.trim(), events });
          // The list is drawn again only after "Done": the secret must stay until it is copied.
          fresh.replaceChildren(
            shownOnce('webhook-secret', t('webhooks.secret', { url: made.endpoint.url }), made.secret),
            h('button', { type: 'button', onclick: () => ctx.rerender() }, t('webhooks.done')),
          );
          fresh.scrollIntoView();
        } catch (err) {
          status.show(errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'webhooks-add-title' }, t('webhooks.add')),
    field('webhook-url', t('webhooks.url'), url, t('webhooks.urlHint')),
    h(
      'fieldset',
      {},
      h('legend', {}, t('webhooks.events')),
      boxes.map((box, i) => h('label', { class: 'check' }, box, ` ${types[i]}`)),
    ),
    h('button', { type: 'submit' }, t('webhooks.addButton')),
    status.el,
  );
}
