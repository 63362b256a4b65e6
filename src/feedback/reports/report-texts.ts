import { fill, type CatalogEntry, type Params } from '../../core/text-catalog.js';

/** The languages the report texts are written in (the API speaks en and nl; the digest all four). */
export type ReportLanguage = 'en' | 'nl' | 'fr' | 'de';

export type ReportText = CatalogEntry & { readonly fr: string; readonly de: string };

/**
 * "What to fix", in plain words, keyed by a stable code. The English template is also how the
 * API's catalog recognises the text (admin/api/v1/localise.ts), so its placeholders stay typed.
 */
export const REPORT_ADVICE: readonly ReportText[] = [
  {
    code: 'report-none',
    en:
      'No reports have arrived for {domain} yet. Receivers send them about once a day to the address ' +
      'in your DMARC record.',
    nl:
      'Er zijn nog geen rapporten voor {domain} binnengekomen. Ontvangers sturen ze ongeveer dagelijks ' +
      'naar het adres in uw DMARC-record.',
    fr:
      "Aucun rapport n'est encore arrivé pour {domain}. Les destinataires les envoient environ une " +
      "fois par jour à l'adresse de votre enregistrement DMARC.",
    de:
      'Für {domain} sind noch keine Berichte eingegangen. Empfänger senden sie etwa täglich an die ' +
      'Adresse in Ihrem DMARC-Eintrag.',
  },
  {
    code: 'report-unknown-senders',
    en:
      '{count:n} messages from {sources:n} sending addresses failed DMARC. If these are your own ' +
      'systems (a web shop, a newsletter tool), have them sign with DKIM for {domain}; if you do not ' +
      'know them, someone else is sending mail as your domain.',
    nl:
      '{count:n} berichten van {sources:n} verzendadressen faalden voor DMARC. Zijn dit uw eigen ' +
      'systemen (een webshop, een nieuwsbrieftool), laat ze dan met DKIM ondertekenen voor {domain}; ' +
      'kent u ze niet, dan verstuurt iemand anders mail namens uw domein.',
    fr:
      "{count:n} messages de {sources:n} adresses d'envoi ont échoué à DMARC. S'il s'agit de vos " +
      "propres systèmes (boutique en ligne, outil d'e-mailing), faites-les signer avec DKIM pour " +
      "{domain} ; sinon, quelqu'un d'autre envoie du courrier au nom de votre domaine.",
    de:
      '{count:n} Nachrichten von {sources:n} Absenderadressen haben DMARC nicht bestanden. Sind das ' +
      'Ihre eigenen Systeme (Webshop, Newsletter-Tool), lassen Sie sie mit DKIM für {domain} ' +
      'signieren; kennen Sie sie nicht, versendet jemand anderes Mail im Namen Ihrer Domain.',
  },
  {
    code: 'report-blocked',
    en: '{count:n} messages that failed DMARC were put in spam or refused by the receivers.',
    nl: '{count:n} berichten die faalden voor DMARC werden door de ontvangers als spam gemarkeerd of geweigerd.',
    fr: '{count:n} messages ayant échoué à DMARC ont été mis en spam ou refusés par les destinataires.',
    de:
      '{count:n} Nachrichten, die DMARC nicht bestanden haben, wurden von den Empfängern als Spam ' +
      'markiert oder abgelehnt.',
  },
  {
    code: 'report-tighten',
    en:
      'All reported mail passed DMARC. You can change your DMARC policy from p=none to p=quarantine, ' +
      'so that mail others send as your domain lands in spam.',
    nl:
      'Alle gerapporteerde mail slaagde voor DMARC. U kunt uw DMARC-beleid van p=none naar ' +
      'p=quarantine zetten, zodat mail die anderen namens uw domein sturen in de spam belandt.',
    fr:
      'Tout le courrier rapporté a réussi DMARC. Vous pouvez passer votre politique DMARC de p=none à ' +
      "p=quarantine, afin que le courrier envoyé par d'autres au nom de votre domaine finisse en spam.",
    de:
      'Alle gemeldeten Nachrichten haben DMARC bestanden. Sie können Ihre DMARC-Richtlinie von p=none ' +
      'auf p=quarantine ändern, damit Mail, die andere im Namen Ihrer Domain senden, im Spam landet.',
  },
  {
    code: 'report-tls-failures',
    en:
      '{count:n} encrypted connections to the mail server of {domain} failed (mostly: {type}). Check ' +
      'its certificate and its MTA-STS policy.',
    nl:
      '{count:n} versleutelde verbindingen met de mailserver van {domain} mislukten (vooral: {type}). ' +
      'Controleer het certificaat en het MTA-STS-beleid.',
    fr:
      '{count:n} connexions chiffrées vers le serveur de messagerie de {domain} ont échoué (surtout : ' +
      '{type}). Vérifiez son certificat et sa politique MTA-STS.',
    de:
      '{count:n} verschlüsselte Verbindungen zum Mailserver von {domain} sind fehlgeschlagen (meist: ' +
      '{type}). Prüfen Sie das Zertifikat und die MTA-STS-Richtlinie.',
  },
  {
    code: 'report-all-good',
    en: 'All reported mail passed DMARC and TLS. Nothing to fix.',
    nl: 'Alle gerapporteerde mail slaagde voor DMARC en TLS. Er is niets te verhelpen.',
    fr: 'Tout le courrier rapporté a réussi DMARC et TLS. Rien à corriger.',
    de: 'Alle gemeldeten Nachrichten haben DMARC und TLS bestanden. Nichts zu beheben.',
  },
];

const BY_CODE = new Map(REPORT_ADVICE.map((t) => [t.code, t]));

/** One text in a language (English for a code not in the list: never thrown, always readable). */
export function reportText(code: string, params: Params, lang: ReportLanguage): string {
  const entry = BY_CODE.get(code);
  return entry ? fill(entry[lang], params) : code;
}

/** The report language for a tenant's language code (nl-BE → nl); English when not one of the four. */
export function reportLanguage(code: string | undefined): ReportLanguage {
  const primary = (code ?? '').toLowerCase().split('-')[0];
  return primary === 'nl' || primary === 'fr' || primary === 'de' ? primary : 'en';
}
