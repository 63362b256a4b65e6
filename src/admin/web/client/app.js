// @ts-check
import { api, ApiError, clearToken, getToken, setToken } from './api.js';
import { field, h, replace, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { LANGS, getLang, setLang, t } from './i18n.js';
import * as admin from './screen-admin.js';
import * as content from './screen-content.js';
import * as credentials from './screen-credentials.js';
import * as domains from './screen-domains.js';
import * as messages from './screen-messages.js';
import * as review from './screen-review.js';
import * as sending from './screen-sending.js';
import * as webhooks from './section-webhooks.js';

/**
 * The shell: sign-in, navigation (hash routes), language switch, sign-out. Each screen is a
 * module with `render(ctx)` that loads its data from the API and returns its section.
 * @typedef {{ admin: boolean, tenantId?: string, tenantName?: string }} Session
 * @typedef {object} Ctx
 * @property {Session} session
 * @property {(route: string) => void} go
 * @property {() => void} rerender
 * @property {(tenantId: string, tenantName: string) => void} choose
 * @typedef {(ctx: Ctx) => Promise<HTMLElement>} Screen
 */

/** @type {Array<[string, Screen]>} */
const TENANT_SCREENS = [
  ['sending', sending.render],
  ['content', content.render],
  ['domains', domains.render],
  ['review', review.render],
  ['messages', messages.render],
  ['credentials', credentials.render],
  ['webhooks', webhooks.render],
];
const TENANT_KEY = 'postbode.adminTenant';

/** @type {Session | undefined} */
let session;
/** Only the latest render may fill the page (a slow screen must not overwrite a newer one). */
let generation = 0;

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const tools = /** @type {HTMLElement} */ (document.getElementById('tools'));

/**
 * Who the token belongs to, asked of the API: any valid token may list tenants (a tenant
 * token sees only its own); only the admin token may read the secret-key fingerprint.
 * @returns {Promise<Session>}
 */
async function discover() {
  const { tenants } = await api('GET', '/tenants?limit=1');
  try {
    await api('GET', '/system/secret-key');
    const chosen = sessionStorage.getItem(TENANT_KEY);
    return { admin: true, ...(chosen ? JSON.parse(chosen) : {}) };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
    const own = tenants[0];
    return { admin: false, tenantId: own?.id, tenantName: own?.name };
  }
}

function route() {
  return location.hash.replace(/^#\/?/, '') || (session?.admin && !session.tenantId ? 'admin' : 'sending');
}

/** @param {string} to */
function go(to) {
  if (location.hash === `#/${to}`) render(true);
  else location.hash = `#/${to}`;
}

function renderTools() {
  const lang = /** @type {HTMLSelectElement} */ (
    h('select', {
      id: 'lang',
      onchange: (/** @type {Event} */ ev) => {
        setLang(/** @type {HTMLSelectElement} */ (ev.target).value);
        render(false);
      },
    })
  );
  for (const [code, name] of LANGS) lang.appendChild(h('option', { value: code, selected: code === getLang() }, name));
  replace(
    tools,
    h('label', { for: 'lang' }, t('shell.language')),
    lang,
    session ? h('button', { type: 'button', onclick: signOut }, t('shell.signOut')) : null,
  );
}

function renderNav() {
  if (!session) {
    replace(nav);
    return;
  }
  const current = route();
  /** @param {string} to @param {string} label */
  const link = (to, label) => h('a', { href: `#/${to}`, 'aria-current': current === to ? 'page' : undefined }, label);
  const items = [];
  if (session.admin) items.push(link('admin', t('nav.admin')));
  if (session.tenantId) for (const [name] of TENANT_SCREENS) items.push(link(name, t(`nav.${name}`)));
  nav.setAttribute('aria-label', t('nav.label'));
  replace(
    nav,
    h(
      'ul',
      {},
      items.map((a) => h('li', {}, a)),
    ),
  );
  if (session.admin && session.tenantId)
    nav.appendChild(h('p', { class: 'tenant-name' }, t('nav.viewing', { name: session.tenantName ?? '' })));
}

function signInScreen() {
  const token = /** @type {HTMLInputElement} */ (
    h('input', { type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' })
  );
  const status = statusLine();
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        setToken(token.value.trim());
        try {
          session = await discover();
          go(session.admin ? 'admin' : 'sending');
        } catch (err) {
          clearToken();
          status.show(err instanceof ApiError && err.status === 401 ? t('signin.wrong') : errorText(err), 'error');
        }
      },
    },
    h('h1', { tabindex: '-1' }, t('signin.title')),
    h('p', {}, t('signin.intro')),
    field('token', t('signin.token'), token, t('signin.tokenHint')),
    h('button', { type: 'submit', class: 'primary' }, t('signin.submit')),
    status.el,
  );
  return form;
}

function signOut() {
  clearToken();
  sessionStorage.removeItem(TENANT_KEY);
  session = undefined;
  history.replaceState(null, '', location.pathname);
  render(true);
}

/** @type {Ctx} */
const ctx = {
  get session() {
    return /** @type {Session} */ (session);
  },
  go,
  rerender: () => render(false),
  choose: chooseTenant,
};

/**
 * The admin picks a tenant to look at; kept for the tab's session like the token.
 * @param {string} tenantId
 * @param {string} tenantName
 */
function chooseTenant(tenantId, tenantName) {
  if (!session?.admin) return;
  session = { admin: true, tenantId, tenantName };
  sessionStorage.setItem(TENANT_KEY, JSON.stringify({ tenantId, tenantName }));
  go('sending');
}

/** @param {boolean} focus move focus to the new screen's heading (not after a language switch) */
async function render(focus) {
  document.documentElement.lang = getLang();
  document.title = t('shell.title');
  skip.textContent = t('shell.skip');
  if (!session && getToken() !== '') {
    try {
      session = await discover();
    } catch {
      clearToken();
    }
  }
  renderTools();
  renderNav();
  if (!session) {
    replace(main, signInScreen());
    if (focus) focusHeading();
    return;
  }
  const current = route();
  const screen =
    current === 'admin' && session.admin ? admin.render : TENANT_SCREENS.find(([name]) => name === current)?.[1];
  const mine = ++generation;
  replace(main, h('p', { class: 'loading' }, t('shell.loading')));
  /** @type {HTMLElement} */
  let view;
  try {
    view = screen && (session.tenantId || current === 'admin') ? await screen(ctx) : h('p', {}, t('shell.noScreen'));
  } catch (err) {
    view = h('p', { class: 'status error', role: 'alert' }, errorText(err));
  }
  if (mine !== generation) return;
  replace(main, view);
  if (focus) focusHeading();
}

function focusHeading() {
  const heading = main.querySelector('h1');
  if (heading instanceof HTMLElement) heading.focus();
}

// The skip link moves focus only: a "#main" in the address would be taken for a screen.
const skip = /** @type {HTMLElement} */ (document.querySelector('.skip'));
skip.addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => {
  render(true);
});
render(false);
