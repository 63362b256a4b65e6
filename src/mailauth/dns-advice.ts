import type { CatalogEntry } from '../core/text-catalog.js';
import { PLATFORM_DNS_ADVICE } from './dns-platform-advice.js';

/**
 * The DNS checks' advice (check-*.ts) per language. The English templates are the words the
 * checks write, so the API can answer them in Dutch (api/v1/localise.ts); the `problem` code
 * beside each advice stays the same in every language.
 */
export const DNS_ADVICE: readonly CatalogEntry[] = [
  // Names of records, quoted inside other advice.
  { code: 'record-spf', en: 'SPF record', nl: 'SPF-record' },
  { code: 'record-dkim', en: 'DKIM record', nl: 'DKIM-record' },
  { code: 'record-dmarc', en: 'DMARC record', nl: 'DMARC-record' },
  { code: 'record-return-path', en: 'bounce address record (CNAME)', nl: 'record voor het bounce-adres (CNAME)' },

  {
    code: 'lookup-failed',
    en:
      'The {what:t} could not be checked because the DNS server did not answer properly ({code}). This is usually ' +
      'temporary: try again in a few minutes.',
    nl:
      'Het {what} kon niet gecontroleerd worden omdat de DNS-server niet goed antwoordde ({code}). Dat is meestal ' +
      'tijdelijk: probeer het over een paar minuten opnieuw.',
  },
  {
    code: 'lookup-failed',
    en:
      'A domain included by your SPF record could not be checked because a DNS server did not answer properly ' +
      '({code}). This is usually temporary: try again in a few minutes.',
    nl:
      'Een domein dat uw SPF-record insluit kon niet gecontroleerd worden omdat een DNS-server niet goed ' +
      'antwoordde ({code}). Dat is meestal tijdelijk: probeer het over een paar minuten opnieuw.',
  },

  // DKIM.
  {
    code: 'domain-appended-twice',
    en:
      'Your DNS provider added your domain name a second time: the DKIM record is at {doubled} instead of {name}. ' +
      'Edit the record and enter only "{selector}" as its name; the provider adds ".{domain}" by itself.',
    nl:
      'Uw DNS-provider heeft uw domeinnaam een tweede keer toegevoegd: het DKIM-record staat op {doubled} in ' +
      'plaats van {name}. Pas het record aan en vul als naam alleen "{selector}" in; de provider voegt ' +
      '".{domain}" zelf toe.',
  },
  {
    code: 'not-found',
    en:
      'There is no DKIM record yet. Add a TXT record with the name "{selector}" (some providers want the full ' +
      'name {name}) and this value: {expected}',
    nl:
      'Er is nog geen DKIM-record. Voeg een TXT-record toe met de naam "{selector}" (sommige providers willen de ' +
      'volledige naam {name}) en deze waarde: {expected}',
  },
  {
    code: 'split-record',
    en:
      'The DKIM key is split over {count:n} separate TXT records, so receivers see only a part of it. Delete them ' +
      'and create one TXT record with the whole value: {expected} (if your provider limits the length, enter it ' +
      'as quoted pieces within one record: {pieces}).',
    nl:
      'De DKIM-sleutel is verdeeld over {count} losse TXT-records, zodat ontvangers er maar een deel van zien. ' +
      'Verwijder ze en maak één TXT-record met de hele waarde: {expected} (als uw provider de lengte beperkt, vul ' +
      'ze dan in als stukken tussen aanhalingstekens binnen één record: {pieces}).',
  },
  {
    code: 'several-records',
    en:
      'There are {count:n} TXT records at {name}; there must be exactly one. Keep one record with this value and ' +
      'delete the others: {expected}',
    nl:
      'Er staan {count} TXT-records op {name}; er mag er precies één zijn. Houd één record met deze waarde en ' +
      'verwijder de andere: {expected}',
  },
  {
    code: 'quoted',
    en:
      'The DKIM record contains quote marks or backslashes that were pasted in with the value (and the key does ' +
      'not match either). Replace the value with exactly: {expected}',
    nl:
      'Het DKIM-record bevat aanhalingstekens of backslashes die met de waarde zijn meegeplakt (en de sleutel ' +
      'klopt ook niet). Vervang de waarde door precies: {expected}',
  },
  {
    code: 'quoted',
    en:
      'The DKIM record contains quote marks or backslashes that were pasted in with the value. Replace the value ' +
      'with exactly: {expected}',
    nl:
      'Het DKIM-record bevat aanhalingstekens of backslashes die met de waarde zijn meegeplakt. Vervang de waarde ' +
      'door precies: {expected}',
  },
  {
    code: 'malformed',
    en: 'The record at {name} is not a valid DKIM key record. Replace its value with: {expected}',
    nl: 'Het record op {name} is geen geldig DKIM-sleutelrecord. Vervang de waarde door: {expected}',
  },
  {
    code: 'revoked',
    en: 'The DKIM record at {name} has an empty key, which means "withdrawn". Replace its value with: {expected}',
    nl:
      'Het DKIM-record op {name} heeft een lege sleutel, wat "ingetrokken" betekent. Vervang de waarde door: ' +
      '{expected}',
  },
  {
    code: 'key-mismatch',
    en:
      'The DKIM record at {name} holds a different key than the one Postbode signs with. Replace its value with: ' +
      '{expected}',
    nl:
      'Het DKIM-record op {name} bevat een andere sleutel dan die waarmee Postbode ondertekent. Vervang de waarde ' +
      'door: {expected}',
  },
  { code: 'ok', en: 'The DKIM record is correct.', nl: 'Het DKIM-record is in orde.' },
  { code: 'not-checked', en: 'The DKIM record was not checked.', nl: 'Het DKIM-record is niet gecontroleerd.' },

  // DMARC.
  {
    code: 'several-records',
    en:
      'There are {count:n} DMARC records at {name}; receivers ignore DMARC when there is more than one. Keep one ' +
      'and delete the others.',
    nl:
      'Er staan {count} DMARC-records op {name}; ontvangers negeren DMARC als er meer dan één is. Houd er één en ' +
      'verwijder de andere.',
  },
  { code: 'ok', en: 'The DMARC record is in place.', nl: 'Het DMARC-record staat er.' },
  {
    code: 'quoted',
    en:
      'Your DMARC record contains quote marks or backslashes that were pasted in with the value, so receivers do ' +
      'not recognise it. Replace the value with exactly: {expected}',
    nl:
      'Uw DMARC-record bevat aanhalingstekens of backslashes die met de waarde zijn meegeplakt, zodat ontvangers ' +
      'het niet herkennen. Vervang de waarde door precies: {expected}',
  },
  {
    code: 'domain-appended-twice',
    en:
      'Your DNS provider added your domain name a second time: the DMARC record is at {doubled} instead of ' +
      '{name}. Edit the record and enter only "_dmarc" as its name.',
    nl:
      'Uw DNS-provider heeft uw domeinnaam een tweede keer toegevoegd: het DMARC-record staat op {doubled} in ' +
      'plaats van {name}. Pas het record aan en vul als naam alleen "_dmarc" in.',
  },
  {
    code: 'not-found',
    en:
      'There is no DMARC record. It is not needed to start sending, but recommended: add a TXT record with the ' +
      'name "_dmarc" and this value: {expected}',
    nl:
      'Er is geen DMARC-record. Het is niet nodig om te beginnen met verzenden, maar wel aangeraden: voeg een ' +
      'TXT-record toe met de naam "_dmarc" en deze waarde: {expected}',
  },

  // Bounce address (return path).
  {
    code: 'not-found',
    en:
      'There is no CNAME record at {host}. This one is optional: it lets bounces come back through Postbode and ' +
      'helps DMARC. To add it, create a CNAME record with the name {host2} pointing to {target}',
    nl:
      'Er is geen CNAME-record op {host}. Dit record is niet verplicht: het laat onbestelbare berichten via ' +
      'Postbode terugkomen en helpt DMARC. Maak daarvoor een CNAME-record met de naam {host2} dat naar {target} ' +
      'wijst',
  },
  { code: 'ok', en: 'The bounce address record is correct.', nl: 'Het record voor het bounce-adres is in orde.' },
  {
    code: 'wrong-target',
    en: 'The CNAME record at {host} points to {found}; change it to point to {target}',
    nl: 'Het CNAME-record op {host} wijst naar {found}; laat het naar {target} wijzen',
  },

  // SPF.
  {
    code: 'two-spf-records',
    en:
      'You have {count:n} SPF records (TXT records starting with v=spf1). Receivers then treat SPF as broken for ' +
      'all your mail. Delete all of them and create one TXT record with: {expected}',
    nl:
      'U hebt {count} SPF-records (TXT-records die met v=spf1 beginnen). Ontvangers beschouwen SPF dan als kapot ' +
      'voor al uw e-mail. Verwijder ze allemaal en maak één TXT-record met: {expected}',
  },
  {
    code: 'too-many-lookups',
    en:
      'Your SPF record needs more than {limit:n} DNS lookups (counting the include:, a, mx, ptr, exists and ' +
      'redirect= entries, also inside the included records). Receivers stop at {limit2:n} and treat SPF as ' +
      'failed. Remove includes of services you no longer use.',
    nl:
      'Uw SPF-record heeft meer dan {limit} DNS-opzoekingen nodig (include:, a, mx, ptr, exists en redirect= ' +
      'tellen mee, ook in de ingesloten records). Ontvangers stoppen bij {limit2} en beschouwen SPF dan als ' +
      'mislukt. Verwijder includes van diensten die u niet meer gebruikt.',
  },
  {
    code: 'broken-include',
    en:
      'Your SPF record includes {broken}, which has no valid SPF record; receivers may treat your SPF as broken. ' +
      'Remove include:{broken2} or correct it.',
    nl:
      'Uw SPF-record sluit {broken} in, dat geen geldig SPF-record heeft; ontvangers kunnen uw SPF als kapot ' +
      'beschouwen. Verwijder include:{broken2} of verbeter het.',
  },
  {
    code: 'include-missing',
    en:
      'Your SPF record does not include include:{include}; replace it with: {expected} Note: that makes more than ' +
      '{limit:n} DNS lookups; remove an include you no longer use.',
    nl:
      'Uw SPF-record bevat geen include:{include}; vervang het door: {expected} Let op: dat geeft meer dan ' +
      '{limit} DNS-opzoekingen; verwijder een include die u niet meer gebruikt.',
  },
  {
    code: 'include-missing',
    en: 'Your SPF record does not include include:{include}; replace it with: {expected}',
    nl: 'Uw SPF-record bevat geen include:{include}; vervang het door: {expected}',
  },
  {
    code: 'ok',
    en: 'The SPF record is correct and permits Postbode.',
    nl: 'Het SPF-record is in orde en staat Postbode toe.',
  },
  {
    code: 'quoted',
    en:
      'Your SPF record contains quote marks or backslashes that were pasted in with the value, so receivers do ' +
      'not recognise it. Replace the value with exactly: {expected}',
    nl:
      'Uw SPF-record bevat aanhalingstekens of backslashes die met de waarde zijn meegeplakt, zodat ontvangers ' +
      'het niet herkennen. Vervang de waarde door precies: {expected}',
  },
  {
    code: 'domain-appended-twice',
    en:
      'Your DNS provider added your domain name a second time: the SPF record is at {doubled} instead of ' +
      '{domain}. Edit the record and leave its name empty (or "@"). The value should be: {expected}',
    nl:
      'Uw DNS-provider heeft uw domeinnaam een tweede keer toegevoegd: het SPF-record staat op {doubled} in ' +
      'plaats van {domain}. Pas het record aan en laat de naam leeg (of "@"). De waarde moet zijn: {expected}',
  },
  {
    code: 'not-found',
    en: 'There is no SPF record yet. Add a TXT record at {domain} (name empty or "@") with this value: {expected}',
    nl: 'Er is nog geen SPF-record. Voeg een TXT-record toe op {domain} (naam leeg of "@") met deze waarde: {expected}',
  },

  // The platform's own records (admin).
  ...PLATFORM_DNS_ADVICE,

  // The domain's summary: "<record name>: <advice>".
  { code: 'failing', en: '{name}: {advice:t}', nl: '{name}: {advice}', wrapsCode: true },
];
