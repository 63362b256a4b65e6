import MailComposer from 'nodemailer/lib/mail-composer';
import { chooseLanguage } from './choose-language.js';
import { composeMessage, type ComposeSource } from './compose.js';
import type { Tenant } from '../../core/types.js';
import type { ContentSettingsReader } from './content-settings-store.js';
import { contentSettingsSchema, type ContentSettings } from './content-settings.js';
import type { Detection } from '../detect/detect.js';
import { samplePdf } from './mail-texts/sample-pdf.js';
import { TEST_INVOICE_NUMBER, testInvoiceText } from './mail-texts/test-invoice.js';
import { mailLanguage } from './mail-texts/pick-text.js';

/**
 * The own-SMTP test invoice, made to look like what the tenant's clients will get: From with
 * the sender display name, the tenant's language, its layout (when content rendering is on;
 * off, Postbode sends the legacy body as it came, so the test is plain text too), a small
 * sample PDF, and a subject that says it is a test. Rendered through the same composeMessage
 * as real mail, with built-in texts in place of the tenant's invoice templates.
 */
export interface TestInvoiceInput {
  readonly from: { readonly name?: string | undefined; readonly address: string };
  readonly to: string;
  readonly hostname: string;
  readonly now: number;
  readonly settings: ContentSettings;
  /** Whether the tenant's content rendering is on (its layout applies to real mail). */
  readonly rendered: boolean;
}

const NO_LEGACY_BODY: ComposeSource = { subject: undefined, text: undefined, html: false, attachments: [] };

export function testInvoiceLanguage(settings: ContentSettings, to: string): string {
  return mailLanguage(chooseLanguage({}, to, settings).language);
}

export async function buildTestInvoice(input: TestInvoiceInput): Promise<Buffer> {
  const language = testInvoiceLanguage(input.settings, input.to);
  const texts = testInvoiceText(language);
  const settings: ContentSettings = {
    ...input.settings,
    defaultLanguage: language,
    layout: input.rendered ? input.settings.layout : 'none',
    subjects: { invoice: { [language]: texts.subject } },
    texts: { 'test-invoice': { [language]: texts.text } },
    defaultTexts: { invoice: 'test-invoice' },
    body: { invoice: 'replace' },
  };
  const detection: Detection = {
    documentType: 'invoice',
    variables: { 'document-number': TEST_INVOICE_NUMBER },
    matchedRule: null,
  };
  const composed = composeMessage(NO_LEGACY_BODY, settings, detection, language);
  const composer = new MailComposer({
    from: input.from.name ? { name: input.from.name, address: input.from.address } : input.from.address,
    to: input.to,
    subject: composed.subject,
    text: composed.text,
    ...(composed.html !== undefined ? { html: composed.html } : {}),
    attachments: [{ filename: texts.filename, content: samplePdf(texts.pdfLine), contentType: 'application/pdf' }],
    messageId: `<test-send-${input.now}@${input.hostname}>`,
    date: new Date(input.now),
    headers: { 'Content-Language': language },
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

export interface TestInvoiceTenant {
  readonly tenant: Pick<Tenant, 'id' | 'name'>;
  /** The sender settings' display name; the tenant's name when unset, as for real mail (pipeline.ts). */
  readonly displayName?: string | undefined;
  readonly from: string;
  readonly to: string;
  readonly hostname: string;
  readonly now: number;
}

/** The test invoice for a tenant, with its stored content settings (the defaults when it saved none). */
export function testInvoiceFor(content: ContentSettingsReader | undefined, t: TestInvoiceTenant): Promise<Buffer> {
  const stored = content?.get(t.tenant.id);
  const settings = stored?.settings ?? contentSettingsSchema.parse({});
  return buildTestInvoice({
    from: { name: t.displayName ?? t.tenant.name, address: t.from },
    to: t.to,
    hostname: t.hostname,
    now: t.now,
    settings: { ...settings, companyName: settings.companyName ?? t.tenant.name },
    rendered: stored?.enabled === true,
  });
}
