// @ts-check
import { api } from './api.js';
import { field, h, replace, select, statusLine } from './dom.js';
import { errorText } from './errors.js';
import { t } from './i18n.js';

/** The API's cap on a sample attachment (content-preview-documents.ts); checked here first to say so at once. */
const MAX_BYTES = 2 * 1024 * 1024;
const FACTS = [
  'number',
  'issueDate',
  'dueDate',
  'payable',
  'sellerName',
  'buyerName',
  'buyerCountry',
  'paymentReference',
  'iban',
  'language',
];

/**
 * What attached documents do: the choice for a variable without a value, the hold for invalid
 * e-invoices (both written into the edited settings, saved with them), and a sample attachment
 * the API reads like mail: the facts it found, the rules it fails, and the subject and text with them.
 * @param {{ base: string, model: Record<string, unknown>,
 *   current: () => { subject: string, text: string, language: string, documentType: string } }} opts
 */
export function documentSection({ base, model, current }) {
  const missing = select(
    'missingVariables',
    ['fallback', 'legacy-subject', 'hold'].map((v) => [v, t(`documents.missing.${v}`)]),
    typeof model.missingVariables === 'string' ? model.missingVariables : 'fallback',
  );
  missing.addEventListener('change', () => {
    model.missingVariables = missing.value;
  });
  const holdInvalid = /** @type {HTMLInputElement} */ (
    h('input', { type: 'checkbox', id: 'content-hold-invalid', checked: model.holdInvalidEInvoices === true })
  );
  holdInvalid.addEventListener('change', () => {
    model.holdInvalidEInvoices = holdInvalid.checked;
  });
  const sample = sampleReader(base, current);
  return h(
    'fieldset',
    { class: 'documents' },
    h('legend', {}, t('documents.title')),
    field('content-missing', t('documents.missing'), missing, t('documents.missingHint')),
    h('div', { class: 'choice' }, holdInvalid, h('label', { for: 'content-hold-invalid' }, t('documents.holdInvalid'))),
    sample,
  );
}

/** @param {string} base @param {() => Record<string, string>} current */
function sampleReader(base, current) {
  const file = /** @type {HTMLInputElement} */ (
    h('input', { type: 'file', accept: '.pdf,.xml,application/pdf,text/xml' })
  );
  const facts = h('dl', { class: 'facts', id: 'sample-facts', 'aria-label': t('documents.facts') });
  const failures = h('ul', { class: 'warnings', id: 'sample-validation', 'aria-label': t('documents.validation') });
  const subject = h('p', { class: 'preview-subject', id: 'sample-subject' });
  const text = h('pre', { class: 'preview-text', id: 'sample-text' });
  const status = statusLine();
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    if (chosen.size > MAX_BYTES) return status.show(t('documents.tooLarge'), 'error');
    status.show(t('documents.reading'));
    try {
      const now = current();
      const body = { language: now.language, documentType: now.documentType, attachment: await encoded(chosen) };
      if (now.subject?.trim()) Object.assign(body, { subject: now.subject });
      if (now.text?.trim()) Object.assign(body, { text: now.text });
      const out = await api('POST', `${base}/content/preview`, body);
      status.show(t('documents.format', { format: out.document?.format ?? '?' }), 'ok');
      show(out.document, facts, failures);
      subject.textContent = out.subject;
      text.textContent = out.text;
    } catch (err) {
      status.show(errorText(err), 'error');
    }
  });
  return h(
    'div',
    {},
    field('sample-attachment', t('documents.sample'), file, t('documents.sampleHint')),
    status.el,
    h('h3', {}, t('documents.facts')),
    facts,
    h('h3', {}, t('documents.validation')),
    failures,
    h('h3', {}, t('content.previewSubject')),
    subject,
    h('h3', {}, t('content.previewText')),
    text,
  );
}

/** @param {File} chosen */
async function encoded(chosen) {
  const bytes = new Uint8Array(await chosen.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { filename: chosen.name, contentType: chosen.type || undefined, content: btoa(binary) };
}

/**
 * @param {{ facts: Record<string, { value: string, source: string, confidence: number }>,
 *   validation: Array<{ rule: string, message: string }>, problems: string[] } | undefined} doc
 * @param {HTMLElement} facts @param {HTMLElement} failures
 */
function show(doc, facts, failures) {
  const found = FACTS.filter((name) => doc?.facts[name] !== undefined).flatMap((name) => {
    const fact = doc?.facts[name];
    const how = fact?.source === 'xml' ? 'XML' : `PDF ${Math.round((fact?.confidence ?? 0) * 100)}%`;
    return [h('dt', {}, t(`documents.fact.${name}`)), h('dd', {}, `${fact?.value ?? ''} (${how})`)];
  });
  replace(facts, ...(found.length > 0 ? found : [h('dd', {}, t('documents.noFacts'))]));
  const items = [
    ...(doc?.validation ?? []).map((f) => h('li', {}, h('code', {}, f.rule), ' ', f.message)),
    ...(doc?.problems ?? []).map((p) => h('li', {}, p)),
  ];
  replace(failures, ...(items.length > 0 ? items : [h('li', { class: 'ok' }, t('documents.valid'))]));
}
