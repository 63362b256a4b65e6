// @ts-check
import { api } from './api.js';
import { field, h, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/** The login choices of the own-SMTP form: the API's `authentication` with its `oauthProvider`. */
const CHOICES = ['password', 'oauth2-google', 'oauth2-microsoft'];

/**
 * @typedef {object} GmailLinkView
 * @property {'unlinked' | 'linked' | 'broken'} status
 * @property {string} [address]
 * @property {boolean} [smtp]
 */

/**
 * What the page says about the Google link for an own-SMTP login: SMTP access needs a link made
 * for it (Google's full mail scope), so a Gmail-mode link alone is not enough.
 * @param {GmailLinkView | undefined} gmail
 */
function googleState(gmail) {
  if (gmail === undefined) return t('smtp.auth.googleUnavailable');
  if (gmail.status === 'linked' && gmail.smtp === true)
    return t('smtp.auth.googleLinked', { address: gmail.address ?? '' });
  if (gmail.status === 'linked') return t('smtp.auth.googleNoSmtp', { address: gmail.address ?? '' });
  if (gmail.status === 'broken') return t('smtp.auth.googleBroken');
  return t('smtp.auth.googleUnlinked');
}

/**
 * How Postbode logs in to the tenant's own server: the password, or AUTH XOAUTH2 with a token of
 * a linked account (Google: the Gmail link, asked for SMTP access; Microsoft 365: its own link).
 * The password field is hidden for an OAuth login: none is kept then.
 * @param {string} base
 * @param {any} smtp the saved server settings (or {})
 * @param {GmailLinkView | undefined} gmail the Gmail link, when this server offers it
 * @param {HTMLElement} passwordField
 */
export function smtpAuthChoice(base, smtp, gmail, passwordField) {
  const current = smtp.authentication === 'oauth2' ? `oauth2-${smtp.oauthProvider}` : 'password';
  const choice = select(
    'authentication',
    CHOICES.map((v) => [v, t(`smtp.auth.${v}`)]),
    current,
  );
  const status = statusLine();
  const link = async () => {
    try {
      const { consentUrl } = await api('POST', `${base}/gmail/link`, { smtp: true });
      // only a web address: never let an answer turn into a javascript: navigation
      if (!/^https?:\/\//i.test(String(consentUrl))) throw new Error('not a web address');
      location.assign(consentUrl);
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  };
  const google = h(
    'div',
    { class: 'oauth-google' },
    h('p', { class: 'hint', id: 'smtp-auth-google' }, googleState(gmail)),
    gmail !== undefined ? h('button', { type: 'button', onclick: link }, t('smtp.auth.linkGoogle')) : null,
    status.el,
  );
  const microsoft = h('p', { class: 'hint' }, t('smtp.auth.microsoftHint'));
  const sync = () => {
    passwordField.hidden = choice.value !== 'password';
    google.hidden = choice.value !== 'oauth2-google';
    microsoft.hidden = choice.value !== 'oauth2-microsoft';
  };
  choice.addEventListener('change', sync);
  sync();
  return {
    el: h('div', {}, field('smtp-auth', t('smtp.auth'), choice, t('smtp.auth.hint')), google, microsoft),
    /** The API fields for the choice. @returns {Record<string, string>} */
    values() {
      if (choice.value === 'password') return { authentication: 'password' };
      return { authentication: 'oauth2', oauthProvider: choice.value.slice('oauth2-'.length) };
    },
    /** True when the password is the login. */
    usesPassword: () => choice.value === 'password',
  };
}
