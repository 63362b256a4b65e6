import { mailLanguage, type MailLanguage } from './pick-text.js';

/**
 * The accountant copy's built-in subject and text, used when the tenant wrote no accountant
 * template in that language. Templates with %variables% (render-template.ts); besides the
 * usual ones they may use the two below, which only an accountant copy has.
 */
export const ACCOUNTANT_VARIABLES = ['original-subject', 'document-count'] as const;

export interface MailText {
  readonly subject: string;
  readonly text: string;
}

const TEXTS: Readonly<Record<MailLanguage, MailText>> = {
  nl: {
    subject: 'Kopie voor de boekhouding: %original-subject%',
    text:
      'Goedendag,\r\n\r\nVoor uw administratie: de documenten van "%original-subject%", zoals ze naar de klant ' +
      'zijn verstuurd (%document-count% bijlage(n)).\r\n\r\nMet vriendelijke groet,\r\n%company-name%\r\n',
  },
  fr: {
    subject: 'Copie pour la comptabilité : %original-subject%',
    text:
      "Bonjour,\r\n\r\nPour votre comptabilité : les documents de « %original-subject% », tels qu'envoyés au " +
      'client (%document-count% pièce(s) jointe(s)).\r\n\r\nCordialement,\r\n%company-name%\r\n',
  },
  en: {
    subject: 'Copy for your records: %original-subject%',
    text:
      'Hello,\r\n\r\nFor your records: the documents of "%original-subject%", as sent to the client ' +
      '(%document-count% attachment(s)).\r\n\r\nKind regards,\r\n%company-name%\r\n',
  },
  de: {
    subject: 'Kopie für die Buchhaltung: %original-subject%',
    text:
      'Guten Tag,\r\n\r\nFür Ihre Unterlagen: die Dokumente von „%original-subject%“, wie sie an den Kunden ' +
      'gesendet wurden (%document-count% Anhang/Anhänge).\r\n\r\nMit freundlichen Grüßen\r\n%company-name%\r\n',
  },
};

export function accountantText(language: string): MailText {
  return TEXTS[mailLanguage(language)];
}
