// @ts-check
import { api, enc } from './api.js';
import { field, h, input, replace, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { showHtml } from './preview-html.js';
import { textLibrarySection } from './section-text-library.js';
import { documentSection } from './section-preview-attachment.js';

/** @typedef {import('./app.js').Ctx} Ctx */
const TYPES = ['invoice', 'credit-note', 'quote', 'order', 'reminder', 'other'];
const LANGUAGES = ['nl', 'en', 'fr', 'de'];
const VARIABLES = [
  'document-number',
  'document-type',
  'client-name',
  'company-name',
  'amount',
  'due-date',
  'document-date',
  'payment-reference',
];

/**
 * Subjects and texts per document type and language, layout, open tracking; a live preview
 * rendered by the API with its spam-lint advice beside the editor.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}`;
  const [saved, sender] = await Promise.all([api('GET', `${base}/content`), api('GET', `${base}/sender`)]);
  /** The settings as edited; sent whole on save (PUT replaces). */
  const model = structuredClone(saved.settings);
  for (const key of ['subjects', 'texts', 'defaultTexts', 'body', 'constants']) model[key] ??= {};
  const languages = [...new Set([model.defaultLanguage ?? 'nl', ...LANGUAGES])];
  const status = statusLine();
  const warnings = h('ul', { class: 'warnings', 'aria-label': t('content.warnings') });
  const preview = previewPanel(base);

  const enabled = /** @type {HTMLInputElement} */ (
    h('input', { type: 'checkbox', id: 'content-enabled', checked: saved.enabled })
  );
  const type = select(
    'documentType',
    TYPES.map((v) => [v, t(`doc.${v}`)]),
    'invoice',
  );
  const lang = select(
    'language',
    languages.map((v) => [v, t(`lang.${v}`)]),
    languages[0],
  );
  const subject = input('subject', '', { autocomplete: 'off' });
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'text', rows: '8' }));
  const replaceBody = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'content-replace' }));
  const layoutKind = typeof model.layout === 'object' ? 'custom' : (model.layout ?? 'default');
  const custom = /** @type {HTMLTextAreaElement} */ (
    h('textarea', { name: 'customLayout', rows: '10', spellcheck: 'false' })
  );
  custom.value = typeof model.layout === 'object' ? model.layout.custom : '';
  const ownSmtp = sender.mode === 'own-smtp';
  const tracking = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'checkbox',
      id: 'content-tracking',
      checked: model.openTracking === true && !ownSmtp,
      disabled: ownSmtp,
      'aria-describedby': 'content-tracking-hint',
    })
  );

  const trackShort = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'checkbox',
      id: 'content-track-short',
      checked: model.trackShortMessages === true,
      disabled: ownSmtp,
      'aria-describedby': 'content-track-short-hint',
    })
  );

  const inactive = trackingNote();
  inactive.update(saved);

  const textName = () => model.defaultTexts[type.value] ?? type.value;
  const load = () => {
    subject.value = model.subjects[type.value]?.[lang.value] ?? '';
    text.value = model.texts[textName()]?.[lang.value] ?? '';
    replaceBody.checked = model.body[type.value] === 'replace';
  };
  const store = () => {
    setOrDelete(model.subjects, type.value, lang.value, subject.value);
    setOrDelete(model.texts, textName(), lang.value, text.value);
    if (model.texts[textName()]) model.defaultTexts[type.value] = textName();
    else delete model.defaultTexts[type.value];
    if (replaceBody.checked) model.body[type.value] = 'replace';
    else delete model.body[type.value];
  };
  const refresh = () =>
    preview.update({ subject: subject.value, text: text.value, language: lang.value, documentType: type.value });
  type.addEventListener('change', () => {
    load();
    refresh();
  });
  lang.addEventListener('change', () => {
    load();
    refresh();
  });
  for (const el of [subject, text, replaceBody])
    el.addEventListener('input', () => {
      store();
      refresh();
    });

  const save = async (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    store();
    const kind =
      /** @type {HTMLInputElement | null} */ (document.querySelector('input[name=layout]:checked'))?.value ?? 'default';
    const body = {
      ...model,
      enabled: enabled.checked,
      openTracking: tracking.checked,
      trackShortMessages: trackShort.checked,
      layout: kind === 'custom' ? { custom: custom.value } : kind,
    };
    try {
      const result = await api('PUT', `${base}/content`, body);
      status.show(t('common.saved'), 'ok');
      showWarnings(warnings, result.warnings);
      inactive.update(result);
      refresh();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  load();
  showWarnings(warnings, saved.warnings);
  refresh();

  const layouts = ['default', 'none', 'custom'].map((kind) =>
    h(
      'div',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'layout', id: `layout-${kind}`, value: kind, checked: layoutKind === kind }),
      h('label', { for: `layout-${kind}` }, t(`layout.${kind}`)),
    ),
  );
  return h(
    'section',
    { 'aria-labelledby': 'content-title' },
    h('h1', { id: 'content-title', tabindex: '-1' }, t('content.title')),
    h(
      'div',
      { class: 'split' },
      h(
        'form',
        { class: 'card', onsubmit: save, 'aria-label': t('content.editor') },
        h('div', { class: 'choice' }, enabled, h('label', { for: 'content-enabled' }, t('content.enabled'))),
        h(
          'div',
          { class: 'row' },
          field('content-type', t('content.type'), type),
          field('content-lang', t('content.language'), lang),
        ),
        field('content-subject', t('content.subject'), subject, t('content.subjectHint')),
        h(
          'p',
          { class: 'hint' },
          t('content.variables'),
          ' ',
          VARIABLES.map((v) => [h('code', {}, `%${v}%`), ' ']),
        ),
        field('content-text', t('content.text'), text, t('content.textHint')),
        h('div', { class: 'choice' }, replaceBody, h('label', { for: 'content-replace' }, t('content.replace'))),
        h('fieldset', {}, h('legend', {}, t('content.layout')), layouts),
        field('content-custom', t('content.custom'), custom, t('content.customHint')),
        h('div', { class: 'choice' }, tracking, h('label', { for: 'content-tracking' }, t('content.tracking'))),
        h(
          'p',
          { class: 'hint', id: 'content-tracking-hint' },
          t(ownSmtp ? 'content.trackingOwnSmtp' : 'content.trackingHint'),
        ),
        inactive.el,
        h('div', { class: 'choice' }, trackShort, h('label', { for: 'content-track-short' }, t('content.trackShort'))),
        h('p', { class: 'hint', id: 'content-track-short-hint' }, t('content.trackShortHint')),
        documentSection({
          base,
          model,
          current: () => ({ subject: subject.value, text: text.value, language: lang.value, documentType: type.value }),
        }),
        h('button', { type: 'submit', class: 'primary' }, t('common.save')),
        status.el,
      ),
      h('div', { class: 'card' }, preview.el, h('h2', {}, t('content.warnings')), warnings),
    ),
    textLibrarySection(base, ctx),
  );
}

/**
 * @param {Record<string, Record<string, string>>} map @param {string} key @param {string} lang @param {string} value
 */
function setOrDelete(map, key, lang, value) {
  if (value.trim() !== '') {
    map[key] = { ...(map[key] ?? {}), [lang]: value };
    return;
  }
  if (!map[key]) return;
  delete map[key][lang];
  if (Object.keys(map[key]).length === 0) delete map[key];
}

/** Open tracking switched on but adding no pixel: the API's warning rule → the page's own words. */
const TRACKING_RULES = {
  'tracking-layout-none': 'content.trackingLayoutNone',
  'tracking-gmail': 'content.trackingGmail',
  'tracking-microsoft365': 'content.trackingMicrosoft',
  'tracking-own-smtp': 'content.trackingOwnSmtp',
};

/** @param {{ rule?: string, message: string }} w */
function warningText(w) {
  const key = w.rule === undefined ? undefined : TRACKING_RULES[/** @type {keyof typeof TRACKING_RULES} */ (w.rule)];
  return key === undefined ? w.message : t(key);
}

/**
 * "Not in force" under the tracking switch when the saved settings ask for tracking that adds
 * no pixel (layout none, Gmail mode), so the page never shows tracking as working when it is not.
 */
function trackingNote() {
  const el = h('p', { class: 'status error', id: 'content-tracking-inactive', role: 'status', hidden: true });
  return {
    el,
    /**
     * @param {{ openTrackingInForce?: boolean, warnings: Array<{ rule?: string, field: string, message: string }> }}
     * view
     */
    update(view) {
      const w = view.warnings.find((x) => x.field === 'openTracking' && x.rule !== 'tracking-own-smtp');
      el.hidden = view.openTrackingInForce !== false || w === undefined;
      el.textContent = w === undefined ? '' : warningText(w);
    },
  };
}

/** @param {HTMLElement} list @param {Array<{ field: string, rule?: string, message: string }>} items */
function showWarnings(list, items) {
  replace(
    list,
    items.length === 0
      ? h('li', { class: 'ok' }, t('content.noWarnings'))
      : items.map((w) => h('li', {}, h('code', {}, w.field), ' ', warningText(w))),
  );
}

/**
 * The rendered subject, text and HTML for sample values. Requests follow typing, at most one
 * every 300 ms; an answer to an older request is dropped.
 * @param {string} base
 */
function previewPanel(base) {
  const number = input('sample-number', '2026-0042');
  const client = input('sample-client', 'Jansen BV');
  const amount = input('sample-amount', '€ 121,00');
  const subject = h('p', { class: 'preview-subject', id: 'preview-subject' });
  const text = h('pre', { class: 'preview-text', id: 'preview-text' });
  const frame = h('div', {
    class: 'preview-html',
    role: 'region',
    'aria-label': t('content.previewHtml'),
    id: 'preview-html',
  });
  const lint = h('ul', { class: 'warnings', 'aria-label': t('content.previewWarnings') });
  const status = statusLine();
  /** @type {Record<string, string>} */
  let last = {};
  let timer = 0;
  let seq = 0;
  const run = async () => {
    const mine = ++seq;
    /** @type {Record<string, unknown>} */
    const body = {
      language: last.language,
      documentType: last.documentType,
      variables: { 'document-number': number.value, 'client-name': client.value, amount: amount.value },
    };
    if (last.subject?.trim()) body.subject = last.subject;
    if (last.text?.trim()) body.text = last.text;
    try {
      const out = await api('POST', `${base}/content/preview`, body);
      if (mine !== seq) return;
      status.clear();
      subject.textContent = out.subject;
      text.textContent = out.text;
      showHtml(frame, out.html ?? '');
      frame.hidden = !out.html;
      showWarnings(lint, out.warnings);
    } catch (err) {
      if (mine === seq) status.show(errorText(err), 'error');
    }
  };
  /** @param {Record<string, string>} next */
  const update = (next) => {
    last = next;
    clearTimeout(timer);
    timer = window.setTimeout(run, 300);
  };
  for (const el of [number, client, amount]) el.addEventListener('input', () => update(last));
  const el = h(
    'section',
    { 'aria-labelledby': 'preview-title' },
    h('h2', { id: 'preview-title' }, t('content.preview')),
    h(
      'div',
      { class: 'row' },
      field('sample-number', t('content.sampleNumber'), number),
      field('sample-client', t('content.sampleClient'), client),
      field('sample-amount', t('content.sampleAmount'), amount),
    ),
    h('h3', {}, t('content.previewSubject')),
    subject,
    h('h3', {}, t('content.previewText')),
    text,
    frame,
    h('h3', {}, t('content.previewWarnings')),
    lint,
    status.el,
  );
  return { el, update };
}
