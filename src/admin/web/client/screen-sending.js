// @ts-check
import { api, ApiError, enc, optional } from './api.js';
import { field, h, input, select, statusLine, when } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';
import { gmailSection } from './section-gmail.js';
import { smtpAuthChoice } from './section-smtp-auth.js';
import { microsoftSection } from './section-microsoft.js';
import { peppolSection } from './section-peppol.js';

/** @typedef {import('./app.js').Ctx} Ctx */
const MODES = ['forwarding', 'own-address', 'own-smtp', 'gmail', 'microsoft365'];

/** An empty field clears the setting (the API takes null for "remove"). @param {HTMLInputElement} el */
const orNull = (el) => (el.value.trim() === '' ? null : el.value.trim());

/**
 * Sending mode, own SMTP server with its test invoice, accountant and backup address.
 * @param {Ctx} ctx
 */
export async function render(ctx) {
  const base = `/tenants/${enc(ctx.session.tenantId ?? '')}`;
  const [settings, gmail, microsoft, caps] = await Promise.all([
    api('GET', `${base}/sender`),
    optional(`${base}/gmail`),
    optional(`${base}/microsoft365`),
    optional('/capabilities'),
  ]);
  const offered = offeredModes(caps, gmail !== undefined, microsoft !== undefined);
  return h(
    'section',
    { 'aria-labelledby': 'sending-title' },
    h('h1', { id: 'sending-title', tabindex: '-1' }, t('sending.title')),
    settings.broken
      ? h('p', { class: 'status error', role: 'alert' }, t('sending.broken', { reason: settings.broken.reason }))
      : null,
    modeForm(base, settings, offered),
    smtpForm(base, settings, gmail),
    gmail !== undefined && offered.includes('gmail') ? gmailSection(base, gmail, ctx) : null,
    microsoft !== undefined && offered.includes('microsoft365') ? microsoftSection(base, microsoft, ctx) : null,
    recipientsForm(base, settings),
    await peppolSection(base, ctx),
  );
}

/**
 * The modes this server offers (GET /capabilities, or all on a server without that route);
 * Gmail and Microsoft 365 only with their link routes.
 * @param {{ senderModes?: string[] } | undefined} caps @param {boolean} gmailRoutes @param {boolean} microsoftRoutes
 * @returns {string[]}
 */
function offeredModes(caps, gmailRoutes, microsoftRoutes) {
  const modes = caps && Array.isArray(caps.senderModes) ? caps.senderModes : MODES;
  return modes.filter((m) => (m !== 'gmail' || gmailRoutes) && (m !== 'microsoft365' || microsoftRoutes));
}

/**
 * Why a mode cannot be chosen here, and what happens to mail of a tenant still in it. @param {string} mode @param
 * {boolean} current
 */
function unavailableHint(mode, current) {
  if (mode === 'gmail') return t(current ? 'caps.gmailUnavailableInUse' : 'caps.gmailUnavailable');
  if (mode === 'microsoft365') return t(current ? 'caps.microsoftUnavailableInUse' : 'caps.microsoftUnavailable');
  return t('caps.modeUnavailable');
}

/** @param {string} base @param {any} settings @param {string[]} offered */
function modeForm(base, settings, offered) {
  const status = statusLine();
  const replyNote = replyToNote(base);
  replyNote.update(settings);
  const displayName = input('displayName', settings.displayName);
  const replyTo = input('replyTo', settings.replyTo, { type: 'email', autocomplete: 'email' });
  const ownAddress = input('ownAddress', settings.ownAddress, { type: 'email' });
  const radios = MODES.map((mode) => {
    const disabled = !offered.includes(mode);
    const id = `mode-${mode}`;
    return h(
      'div',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'mode',
        id,
        value: mode,
        checked: settings.mode === mode,
        disabled,
        'aria-describedby': `${id}-needs`,
      }),
      h('label', { for: id }, t(`mode.${mode}`)),
      h(
        'p',
        { class: disabled && settings.mode === mode ? 'hint status error' : 'hint', id: `${id}-needs` },
        disabled ? unavailableHint(mode, settings.mode === mode) : t(`mode.${mode}.needs`),
      ),
    );
  });
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'mode-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        const form = /** @type {HTMLFormElement} */ (ev.currentTarget);
        const mode = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=mode]:checked'))?.value;
        try {
          const saved = await api('PUT', `${base}/sender`, {
            mode,
            displayName: orNull(displayName),
            replyTo: orNull(replyTo),
            ownAddress: orNull(ownAddress),
          });
          replyNote.update(saved);
          status.show(t('common.saved'), 'ok');
        } catch (err) {
          // The API's reason is written for API users; the page has its own words for this step.
          const needsTest = err instanceof ApiError && err.status === 409 && mode === 'own-smtp';
          status.show(needsTest ? t('sending.needsTest') : errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'mode-title' }, t('sending.mode')),
    h('fieldset', {}, h('legend', {}, t('sending.modeLegend')), radios),
    h('h3', {}, t('sending.forwarding')),
    field('displayName', t('sending.displayName'), displayName, t('sending.displayNameHint')),
    field('replyTo', t('sending.replyTo'), replyTo, t('sending.replyToHint')),
    replyNote.el,
    h('h3', {}, t('sending.ownAddressTitle')),
    field('ownAddress', t('sending.ownAddress'), ownAddress, t('sending.ownAddressHint')),
    h('button', { type: 'submit', class: 'primary' }, t('common.save')),
    status.el,
  );
}

/**
 * "Awaiting confirmation" under the reply address while its owner has not pressed the
 * button of the link Postbode mailed, with a button to mail the link again.
 * @param {string} base
 */
function replyToNote(base) {
  const status = statusLine();
  const text = h('p', { class: 'status info', id: 'replyTo-pending' }, t('sending.replyToPending'));
  const resend = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          await api('POST', `${base}/sender/reply-to/confirmation`);
          status.show(t('sending.replyToResent'), 'ok');
        } catch (err) {
          status.show(
            err instanceof ApiError && err.status === 429 ? t('sending.replyToResendLater') : errorText(err),
            'error',
          );
        }
      },
    },
    t('sending.replyToResend'),
  );
  const el = h('div', { class: 'reply-to-pending', hidden: true }, text, resend, status.el);
  return {
    el,
    /** @param {any} settings */
    update(settings) {
      el.hidden = settings.replyToConfirmed !== false;
    },
  };
}

/** @param {string} base @param {any} settings @param {any} gmail the Gmail link, when offered */
function smtpForm(base, settings, gmail) {
  const smtp = settings.smtp ?? {};
  const status = statusLine();
  const testStatus = statusLine();
  const host = input('host', smtp.host, { autocomplete: 'off' });
  const port = input('port', smtp.port === undefined ? '587' : String(smtp.port), {
    type: 'number',
    min: '1',
    max: '65535',
  });
  const tls = select(
    'tls',
    ['starttls', 'implicit', 'opportunistic'].map((v) => [v, t(`smtp.tls.${v}`)]),
    smtp.tls ?? 'starttls',
  );
  const verify = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'checkbox',
      id: 'smtp-verify',
      name: 'rejectUnauthorized',
      checked: smtp.rejectUnauthorized !== false,
    })
  );
  const plain = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'checkbox',
      id: 'smtp-plain-auth',
      name: 'allowPlaintextAuth',
      checked: smtp.allowPlaintextAuth === true,
    })
  );
  const user = input('user', smtp.user, { autocomplete: 'off' });
  const password = input('password', '', {
    type: 'password',
    autocomplete: 'new-password',
    placeholder: smtp.hasPassword ? t('smtp.passwordKept') : '',
  });
  const passwordField = field('smtp-password', t('smtp.password'), password, t('smtp.passwordHint'));
  const auth = smtpAuthChoice(base, smtp, gmail, passwordField);
  const to = input('testTo', settings.replyTo ?? '', { type: 'email' });
  const last = settings.lastTestSend;
  const needsTest = needsTestNote(settings);
  const save = async () => {
    /** @type {Record<string, unknown>} */
    const server = {
      host: host.value.trim(),
      port: Number(port.value),
      tls: tls.value,
      rejectUnauthorized: verify.checked,
      allowPlaintextAuth: plain.checked,
      ...auth.values(),
    };
    if (user.value.trim() !== '') server.user = user.value.trim();
    if (password.value !== '' && auth.usesPassword()) server.password = password.value;
    const saved = await api('PUT', `${base}/sender`, { smtp: server });
    password.value = '';
    needsTest.update(saved);
  };
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'smtp-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        try {
          await save();
          status.show(t('common.saved'), 'ok');
        } catch (err) {
          status.show(errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'smtp-title' }, t('smtp.title')),
    h('p', { class: 'hint' }, t('smtp.intro')),
    h('div', { class: 'row' }, field('smtp-host', t('smtp.host'), host), field('smtp-port', t('smtp.port'), port)),
    field('smtp-tls', t('smtp.tls'), tls),
    h('div', { class: 'choice' }, verify, h('label', { for: 'smtp-verify' }, t('smtp.verify'))),
    h('div', { class: 'choice' }, plain, h('label', { for: 'smtp-plain-auth' }, t('smtp.plainAuth'))),
    auth.el,
    h('div', { class: 'row' }, field('smtp-user', t('smtp.user'), user, t('smtp.userHint')), passwordField),
    h('button', { type: 'submit' }, t('smtp.save')),
    status.el,
    needsTest.el,
    h('h3', {}, t('smtp.testTitle')),
    field('smtp-test-to', t('smtp.testTo'), to, t('smtp.testHint')),
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        onclick: async () => {
          testStatus.show(t('smtp.testing'));
          try {
            const result = await api('POST', `${base}/sender/test-send`, { to: to.value.trim() });
            testStatus.show(
              t(result.ok ? 'smtp.testOk' : 'smtp.testFailed', { summary: result.summary }),
              result.ok ? 'ok' : 'error',
            );
            if (result.ok) needsTest.update({});
          } catch (err) {
            testStatus.show(errorText(err), 'error');
          }
        },
      },
      t('smtp.test'),
    ),
    testStatus.el,
    last
      ? h(
          'p',
          { class: 'hint' },
          t('smtp.lastTest', { when: when(last.at), summary: last.summary }),
          last.current ? '' : ` ${t('smtp.lastTestOld')}`,
        )
      : null,
  );
}

/**
 * "Needs a test" while the mode is own-smtp and the saved server settings have not passed a
 * test invoice: the tenant's mail waits until one does.
 * @param {any} settings
 */
function needsTestNote(settings) {
  const el = h(
    'p',
    { class: 'status error', id: 'smtp-needs-test', hidden: settings.needsTest !== true },
    t('smtp.needsTest'),
  );
  return {
    el,
    /** @param {any} next */
    update(next) {
      el.hidden = next.needsTest !== true;
    },
  };
}

/** @param {string} base @param {any} settings */
function recipientsForm(base, settings) {
  const status = statusLine();
  const accountant = input('accountantAddress', settings.accountantAddress, { type: 'email' });
  const archive = input('archiveAddress', settings.archiveAddress, { type: 'email' });
  const modes = ['off', 'manual', 'automatic'].map((mode) =>
    h(
      'div',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'accountantMode',
        id: `accountant-${mode}`,
        value: mode,
        checked: settings.accountantMode === mode,
      }),
      h('label', { for: `accountant-${mode}` }, t(`accountant.${mode}`)),
    ),
  );
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'recipients-title',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        const form = /** @type {HTMLFormElement} */ (ev.currentTarget);
        const accountantMode = /** @type {HTMLInputElement | null} */ (
          form.querySelector('input[name=accountantMode]:checked')
        )?.value;
        try {
          await api('PUT', `${base}/sender`, {
            accountantMode,
            accountantAddress: orNull(accountant),
            archiveAddress: orNull(archive),
          });
          status.show(t('common.saved'), 'ok');
        } catch (err) {
          status.show(errorText(err), 'error');
        }
      },
    },
    h('h2', { id: 'recipients-title' }, t('recipients.title')),
    field('accountantAddress', t('recipients.accountant'), accountant, t('recipients.accountantHint')),
    h('fieldset', {}, h('legend', {}, t('recipients.accountantMode')), modes),
    field('archiveAddress', t('recipients.archive'), archive, t('recipients.archiveHint')),
    h('button', { type: 'submit', class: 'primary' }, t('common.save')),
    status.el,
  );
}
