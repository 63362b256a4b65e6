// @ts-check
import { api, enc } from './api.js';
import { field, h, input, replace, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/**
 * A text of GET /tenants/:id/texts.
 * @typedef {object} LibraryText
 * @property {string} name
 * @property {string} [documentType]
 * @property {Record<string, string>} variants
 * @property {string[]} defaultFor
 */
/** @typedef {{ texts: LibraryText[], defaults: Record<string, string>, enabled: boolean }} Library */

const TYPES = ['invoice', 'credit-note', 'quote', 'order', 'reminder', 'other'];
const LANGUAGES = ['nl', 'fr', 'en', 'de'];

/**
 * The text library per document type ("Invoices", "Reminders", …): choose the default text of each type,
 * add, edit and remove texts, add the starter texts. Each change goes through the text routes and then
 * renders the whole screen again, so the content form above never saves a stale library over it.
 * @param {string} base `/tenants/<id>`
 * @param {import('./app.js').Ctx} ctx
 */
export function textLibrarySection(base, ctx) {
  const body = h('div', {}, h('p', {}, t('library.loading')));
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'library-title' },
    h('h2', { id: 'library-title' }, t('library.title')),
    h('p', { class: 'hint' }, t('library.intro')),
    body,
  );
  api('GET', `${base}/texts`)
    .then((/** @type {Library} */ lib) => replace(body, ...libraryView(base, lib, ctx)))
    .catch((err) => replace(body, h('p', { class: 'status error' }, errorText(err))));
  return section;
}

/** @param {string} base @param {Library} lib @param {import('./app.js').Ctx} ctx */
function libraryView(base, lib, ctx) {
  const status = statusLine();
  /** @param {() => Promise<unknown>} call */
  const act = (call) => async () => {
    try {
      await call();
      ctx.rerender();
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const editor = textEditor(base, lib, act);
  const groups = TYPES.map((type) => typeGroup(base, lib, type, act, editor.edit));
  return [
    lib.enabled ? '' : h('p', { class: 'hint', id: 'library-off' }, t('library.off')),
    lib.texts.length === 0 ? h('p', { class: 'hint', id: 'library-empty' }, t('library.empty')) : '',
    h(
      'button',
      { type: 'button', id: 'library-starter', onclick: act(() => api('POST', `${base}/starter-texts`)) },
      t('library.starter'),
    ),
    ...groups,
    editor.el,
    status.el,
  ];
}

/**
 * @param {string} base @param {Library} lib @param {string} type
 * @param {(call: () => Promise<unknown>) => () => Promise<void>} act
 * @param {(text: LibraryText) => void} edit
 */
function typeGroup(base, lib, type, act, edit) {
  // A text written in the form above has no type of its own: it is listed under the type that uses it.
  const own = lib.texts.filter((x) => (x.documentType ?? x.defaultFor[0] ?? 'other') === type);
  const choice = select(
    `default-${type}`,
    [['', t('library.noDefault')], ...lib.texts.map((x) => /** @type {[string, string]} */ ([x.name, x.name]))],
    lib.defaults[type] ?? '',
  );
  choice.addEventListener('change', () => {
    const name = choice.value;
    const path = `${base}/text-defaults/${enc(type)}`;
    void act(() => (name === '' ? api('DELETE', path) : api('PUT', path, { name })))();
  });
  return h(
    'div',
    { class: 'library-group', 'data-type': type },
    h('h3', {}, t(`library.type.${type}`)),
    field(`library-default-${type}`, t('library.defaultFor', { type: t(`library.type.${type}`) }), choice),
    own.length === 0
      ? h('p', { class: 'hint' }, t('library.none'))
      : h(
          'ul',
          {},
          own.map((x) =>
            h(
              'li',
              {},
              h('code', {}, x.name),
              ` (${Object.keys(x.variants).join(', ')}) `,
              h(
                'button',
                { type: 'button', onclick: () => edit(x), 'aria-label': t('library.editFor', { name: x.name }) },
                t('library.edit'),
              ),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  onclick: act(() => api('DELETE', `${base}/texts/${enc(x.name)}`)),
                  'aria-label': t('library.removeFor', { name: x.name }),
                },
                t('library.remove'),
              ),
            ),
          ),
        ),
  );
}

/**
 * One form for a new text or the one being edited: name, document type, and the text per language.
 * @param {string} base @param {Library} lib
 * @param {(call: () => Promise<unknown>) => () => Promise<void>} act
 */
function textEditor(base, lib, act) {
  const name = input('textName', '', { required: true, maxlength: '64', autocomplete: 'off' });
  const type = select(
    'textType',
    TYPES.map((v) => [v, t(`library.type.${v}`)]),
    'invoice',
  );
  const lang = select(
    'textLanguage',
    LANGUAGES.map((v) => [v, t(`lang.${v}`)]),
    'nl',
  );
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'libraryText', rows: '8', required: true }));
  /** @type {Record<string, string>} */
  let variants = {};
  const loadText = () => {
    text.value = variants[lang.value] ?? '';
  };
  lang.addEventListener('change', loadText);
  text.addEventListener('input', () => {
    variants = { ...variants, [lang.value]: text.value };
  });
  /** @param {LibraryText} x */
  const edit = (x) => {
    name.value = x.name;
    type.value = x.documentType ?? 'other';
    variants = { ...x.variants };
    loadText();
    name.focus();
  };
  const save = (/** @type {SubmitEvent} */ ev) => {
    ev.preventDefault();
    const typed = name.value.trim();
    const stored = lib.texts.find((x) => x.name === typed)?.variants ?? {};
    const merged = Object.fromEntries(
      Object.entries({ ...stored, ...variants, [lang.value]: text.value }).filter(([, v]) => v.trim() !== ''),
    );
    void act(() => api('PUT', `${base}/texts/${enc(typed)}`, { documentType: type.value, variants: merged }))();
  };
  const el = h(
    'form',
    { 'aria-labelledby': 'library-edit-title', onsubmit: save },
    h('h3', { id: 'library-edit-title' }, t('library.editTitle')),
    h(
      'div',
      { class: 'row' },
      field('library-name', t('library.name'), name, t('library.nameHint')),
      field('library-type', t('library.usedFor'), type),
      field('library-lang', t('library.writtenIn'), lang),
    ),
    field('library-text', t('library.text'), text),
    h('button', { type: 'submit' }, t('library.save')),
  );
  return { el, edit };
}
