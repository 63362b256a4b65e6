// @ts-check
/**
 * Building the page without innerHTML: every value becomes a text node or an attribute,
 * so nothing the API returns (a subject, a DNS answer) can ever run as markup.
 */

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Child | Array<Child | Array<Child | Child[]>>} Children nested lists (three deep) are flattened */
/** @typedef {Record<string, string | number | boolean | ((ev: any) => void) | undefined | null>} Attrs */

/**
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...Children} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) /** @type {HTMLInputElement} */ (el).value = String(value);
    else if (key === 'checked' || key === 'selected') el.setAttribute(key, '');
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of children) {
    if (Array.isArray(child)) {
      append(parent, child);
      continue;
    }
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** @param {Node} el @param {...Children} children */
export function replace(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

/**
 * A label tied to its control, with an optional hint tied by aria-describedby.
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(id, label, control, hint) {
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {Attrs} [extra]
 */
export function input(name, value, extra = {}) {
  return /** @type {HTMLInputElement} */ (h('input', { name, type: 'text', value: value ?? '', ...extra }));
}

/**
 * @param {string} name
 * @param {Array<[string, string]>} options value, label
 * @param {string | undefined} selected
 */
export function select(name, options, selected) {
  const el = /** @type {HTMLSelectElement} */ (h('select', { name }));
  for (const [value, label] of options) el.appendChild(h('option', { value, selected: value === selected }, label));
  return el;
}

/** A status line that screen readers announce; `kind` colours it. */
export function statusLine() {
  const el = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    /** @param {string} text @param {'ok' | 'error' | 'info'} [kind] */
    show(text, kind = 'info') {
      el.className = `status ${kind}`;
      el.textContent = text;
    },
    clear() {
      el.className = 'status';
      el.textContent = '';
    },
  };
}

/**
 * Copies `text()` to the clipboard; falls back to selecting a hidden field when the
 * Clipboard API is not allowed, and tells the user which of the two happened.
 * @param {string} label
 * @param {() => string} text
 * @param {(copied: boolean) => void} after
 */
export function copyButton(label, text, after) {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(text());
          after(true);
        } catch {
          after(false);
        }
      },
    },
    label,
  );
}

/** @param {number | undefined} ms */
export function when(ms) {
  return ms === undefined ? '' : new Date(ms).toLocaleString();
}
