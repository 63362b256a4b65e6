import { createCatalog, fill, type CatalogEntry, type Params } from '../../core/text-catalog.js';

/**
 * The spam-lint's advice in words, per language. spam-lint.ts words its warnings with the
 * English templates; the API answers them in the request's language through the same entries.
 */
export const SPAM_ADVICE: readonly CatalogEntry[] = [
  {
    code: 'capitals',
    en: 'WORDS IN CAPITALS look like shouting to spam filters',
    nl: 'WOORDEN IN HOOFDLETTERS zien er voor spamfilters uit als schreeuwen',
  },
  {
    code: 'exclamation-run',
    en: 'several exclamation marks in a row look like spam',
    nl: 'meerdere uitroeptekens achter elkaar zien eruit als spam',
  },
  {
    code: 'exclamation-count',
    en: '{count:n} exclamation marks in all; use at most three',
    nl: 'in totaal {count} uitroeptekens; gebruik er hoogstens drie',
  },
  {
    code: 'foreign-link',
    en: 'link to {host}: hyperlinks are best avoided',
    nl: 'link naar {host}: laat links liever weg',
  },
  {
    code: 'foreign-link-domain',
    en: 'link to {host}, not to the sending domain {domain}',
    nl: 'link naar {host}, niet naar het verzenddomein {domain}',
  },
  {
    code: 'too-short-one',
    en:
      'only 1 line of text; five or six lines of real content (what the document is, how to pay, a thank-you) ' +
      'do better',
    nl:
      'maar 1 regel tekst; vijf of zes regels echte inhoud (wat het document is, hoe te betalen, een ' +
      'bedankje) doen het beter',
  },
  {
    code: 'too-short',
    en:
      'only {lines:n} lines of text; five or six lines of real content (what the document is, how to pay, a ' +
      'thank-you) do better',
    nl:
      'maar {lines} regels tekst; vijf of zes regels echte inhoud (wat het document is, hoe te betalen, een ' +
      'bedankje) doen het beter',
  },
  {
    code: 'no-personalisation',
    en: 'greet the client by name, e.g. with %client-name%',
    nl: 'spreek de klant aan met zijn naam, bijvoorbeeld met %client-name%',
  },
  {
    code: 'generic-greeting',
    en: '"{greeting}" greets nobody in particular; greet the client by name, e.g. with %client-name%',
    nl:
      '"{greeting}" spreekt niemand persoonlijk aan; spreek de klant aan met zijn naam, bijvoorbeeld met ' +
      '%client-name%',
  },
  {
    code: 'image-only',
    en:
      'an image in {length:n} characters of HTML: spam filters score short HTML with an image as image-only; ' +
      'write more text (at least {minimum:n} characters of HTML) or leave the image out',
    nl:
      'een afbeelding in {length} tekens HTML: spamfilters rekenen korte HTML met een afbeelding als alleen-beeld; ' +
      'schrijf meer tekst (minstens {minimum} tekens HTML) of laat de afbeelding weg',
  },
  {
    code: 'tracking-short-html-tracked',
    en:
      'open tracking: this message has {length:n} characters of HTML, fewer than the {minimum:n} a pixel needs ' +
      'to stay out of spam filters; as you chose, it gets the pixel anyway (SpamAssassin adds up to 2.8 points)',
    nl:
      'leesbevestiging: dit bericht heeft {length} tekens HTML, minder dan de {minimum} die een pixel nodig heeft ' +
      'om buiten spamfilters te blijven; zoals gekozen krijgt het toch een pixel (SpamAssassin telt tot 2,8 punten)',
  },
  {
    code: 'tracking-short-html',
    en:
      'open tracking: this message has {length:n} characters of HTML, fewer than the {minimum:n} a pixel needs ' +
      'to stay out of spam filters; it goes out without a pixel and is never marked read',
    nl:
      'leesbevestiging: dit bericht heeft {length} tekens HTML, minder dan de {minimum} die een pixel nodig heeft ' +
      'om buiten spamfilters te blijven; het gaat zonder pixel weg en wordt nooit als gelezen gemarkeerd',
  },
  {
    code: 'pattern-skipped',
    en: 'rule {name} is skipped: {reason:t}',
    nl: 'regel {name} wordt overgeslagen: {reason}',
  },
];

const byCode = new Map(SPAM_ADVICE.map((e) => [e.code, e]));

/** English advice for a spam-lint warning (the words stored in the message log). */
export function adviceEn(code: string, params: Params = {}): string {
  return fill(byCode.get(code)?.en ?? code, params);
}

export const spamAdviceCatalog = createCatalog(SPAM_ADVICE);
