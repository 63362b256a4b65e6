import { mailLanguage, type MailLanguage } from './pick-text.js';
import type { MailText } from './accountant.js';

/**
 * The own-SMTP test invoice: subject and text in the tenant's language, rendered like an
 * invoice (%variables%, the tenant's layout) so the tenant sees in its own mailbox what its
 * clients will get. The subject always says it is a test.
 */
export interface TestInvoiceText extends MailText {
  /** File name of the sample PDF. */
  readonly filename: string;
  /** The one line printed in the sample PDF (ASCII: the PDF uses a standard font). */
  readonly pdfLine: string;
}

const TEXTS: Readonly<Record<MailLanguage, TestInvoiceText>> = {
  nl: {
    subject: 'Testfactuur – %company-name%',
    text:
      'Goedendag,\r\n\r\nDit is een testfactuur (%document-number%), verstuurd door Postbode via uw eigen ' +
      'mailserver. Zo ziet een factuur eruit die uw klanten ontvangen. U hoeft niets te doen.\r\n\r\n' +
      'Met vriendelijke groet,\r\n%company-name%\r\n',
    filename: 'testfactuur.pdf',
    pdfLine: 'Testfactuur TEST-0001 - niet betalen',
  },
  fr: {
    subject: 'Facture de test – %company-name%',
    text:
      'Bonjour,\r\n\r\nCeci est une facture de test (%document-number%), envoyée par Postbode via votre propre ' +
      "serveur de messagerie. Voici à quoi ressemble une facture que vos clients reçoivent. Aucune action n'est " +
      'requise.\r\n\r\nCordialement,\r\n%company-name%\r\n',
    filename: 'facture-de-test.pdf',
    pdfLine: 'Facture de test TEST-0001 - ne pas payer',
  },
  en: {
    subject: 'Test invoice – %company-name%',
    text:
      'Hello,\r\n\r\nThis is a test invoice (%document-number%), sent by Postbode through your own mail server. ' +
      'This is what an invoice your clients receive looks like. No action is needed.\r\n\r\nKind regards,\r\n' +
      '%company-name%\r\n',
    filename: 'test-invoice.pdf',
    pdfLine: 'Test invoice TEST-0001 - do not pay',
  },
  de: {
    subject: 'Testrechnung – %company-name%',
    text:
      'Guten Tag,\r\n\r\nDies ist eine Testrechnung (%document-number%), von Postbode über Ihren eigenen ' +
      'Mailserver gesendet. So sieht eine Rechnung aus, die Ihre Kunden erhalten. Sie müssen nichts tun.\r\n\r\n' +
      'Mit freundlichen Grüßen\r\n%company-name%\r\n',
    filename: 'testrechnung.pdf',
    pdfLine: 'Testrechnung TEST-0001 - nicht bezahlen',
  },
};

export const TEST_INVOICE_NUMBER = 'TEST-0001';

export function testInvoiceText(language: string): TestInvoiceText {
  return TEXTS[mailLanguage(language)];
}
