import type { CatalogEntry } from '../../../core/text-catalog.js';

/**
 * The Config API's refusals in words, per language, with a stable code each. The English
 * template is also how a refusal worded at its throw site is recognised (text-catalog.ts),
 * so a new refusal only needs its words added here to be answered in Dutch too. Wrappers
 * come before the texts they wrap.
 */
export const API_MESSAGES: readonly CatalogEntry[] = [
  // Wrappers: a position or a field name around another text.
  { code: 'at_position', en: '{reason:t} (at {start:n})', nl: '{reason} (op positie {start})', wrapsCode: true },

  // Input checks by kind (zod issues): fields.ts and route-spec.ts word them through ZOD_TEXTS.
  { code: 'required', en: 'required', nl: 'verplicht' },
  { code: 'invalid_type', en: 'must be of type {expected}', nl: 'moet van het type {expected} zijn' },
  { code: 'too_small', en: 'must be at least {minimum:n} characters', nl: 'moet minstens {minimum} tekens lang zijn' },
  { code: 'too_small', en: 'must not be empty', nl: 'mag niet leeg zijn' },
  { code: 'too_small', en: 'needs at least {minimum:n} items', nl: 'moet minstens {minimum} elementen bevatten' },
  { code: 'too_small', en: 'must be at least {minimum}', nl: 'moet minstens {minimum} zijn' },
  { code: 'too_big', en: 'must be at most {maximum:n} characters', nl: 'mag hoogstens {maximum} tekens lang zijn' },
  { code: 'too_big', en: 'allows at most {maximum:n} items', nl: 'mag hoogstens {maximum} elementen bevatten' },
  { code: 'too_big', en: 'must be at most {maximum}', nl: 'mag hoogstens {maximum} zijn' },
  { code: 'invalid_format', en: 'does not have the right format', nl: 'heeft niet de juiste vorm' },
  { code: 'invalid_value', en: 'must be one of {values}', nl: 'moet een van deze waarden zijn: {values}' },
  { code: 'not_multiple_of', en: 'must be a multiple of {divisor}', nl: 'moet een veelvoud van {divisor} zijn' },
  { code: 'unknown_field', en: 'unknown field', nl: 'onbekend veld' },
  { code: 'invalid', en: 'invalid value', nl: 'ongeldige waarde' },
  { code: 'not_json', en: 'not valid JSON', nl: 'geen geldige JSON' },
  {
    code: 'not_utf8',
    en: 'not valid UTF-8: JSON is sent as UTF-8',
    nl: 'geen geldige UTF-8: JSON wordt als UTF-8 verstuurd',
  },
  {
    code: 'json_only',
    en: 'send the body as JSON with Content-Type: application/json (got {type})',
    nl: 'stuur de inhoud als JSON met Content-Type: application/json (ontvangen: {type})',
  },
  {
    code: 'charset_unsupported',
    en: 'charset {charset} is not supported: send JSON as UTF-8',
    nl: 'tekenset {charset} wordt niet ondersteund: stuur JSON als UTF-8',
  },
  {
    code: 'encoding_unsupported',
    en: 'Content-Encoding {encoding} is not supported: send the body as it is, or as gzip, deflate or br',
    nl: 'Content-Encoding {encoding} wordt niet ondersteund: stuur de inhoud zoals hij is, of als gzip, deflate of br',
  },
  {
    code: 'not_decompressed',
    en: 'the body is not valid {encoding} data, as its Content-Encoding says it is: {reason}',
    nl: 'de inhoud is geen geldige {encoding}-data, zoals de Content-Encoding zegt: {reason}',
  },
  {
    code: 'local_part_too_long',
    en: 'the part before the @ is longer than 64 octets (RFC 5321)',
    nl: 'het deel voor de @ is langer dan 64 octetten (RFC 5321)',
  },
  { code: 'must_be_future', en: 'must be in the future', nl: 'moet in de toekomst liggen' },
  { code: 'not_a_valid_id', en: 'not a valid id', nl: 'geen geldige id' },

  // Field checks worded in fields.ts and the tenant validators.
  {
    code: 'header_unsafe',
    en: 'must not contain line breaks or control characters (CR, LF, NUL, U+0085, U+2028, U+2029)',
    nl: 'mag geen regeleinden of stuurtekens bevatten (CR, LF, NUL, U+0085, U+2028, U+2029)',
  },
  {
    code: 'not_an_address',
    en: 'not a single e-mail address (local@domain)',
    nl: 'geen enkel e-mailadres (naam@domein)',
  },
  {
    code: 'not_an_ip_range',
    en: 'not an IP address or CIDR range: {value}',
    nl: 'geen IP-adres of CIDR-bereik: {value}',
  },
  { code: 'not_an_ip_range', en: 'not an IP address or CIDR range', nl: 'geen IP-adres of CIDR-bereik' },
  {
    code: 'name_unsafe',
    en: 'tenant name must not contain line breaks or control characters',
    nl: 'de klantnaam mag geen regeleinden of stuurtekens bevatten',
  },
  { code: 'name_empty', en: 'tenant name must not be empty', nl: 'de klantnaam mag niet leeg zijn' },
  {
    code: 'name_too_long',
    en: 'tenant name is too long (at most {max:n} characters)',
    nl: 'de klantnaam is te lang (hoogstens {max} tekens)',
  },
  {
    code: 'username_length',
    en: 'SMTP user name must be 1 to {max:n} characters',
    nl: 'de SMTP-gebruikersnaam moet 1 tot {max} tekens lang zijn',
  },
  {
    code: 'username_characters',
    en: 'SMTP user name {name} may only hold letters, digits and . _ @ + - (starting with a letter or digit)',
    nl:
      'SMTP-gebruikersnaam {name} mag alleen letters, cijfers en . _ @ + - bevatten (en begint met een letter ' +
      'of cijfer)',
  },

  // Templates, rules and layouts (content settings).
  { code: 'template_too_long', en: 'too long (at most {max:n} characters)', nl: 'te lang (hoogstens {max} tekens)' },
  { code: 'unknown_variable', en: 'unknown variable {name}', nl: 'onbekende variabele {name}' },
  {
    code: 'line_break',
    en: 'line breaks and control characters are not allowed here (U+{char})',
    nl: 'regeleinden en stuurtekens zijn hier niet toegestaan (U+{char})',
  },
  {
    code: 'line_break',
    en: 'line breaks and control characters are not allowed',
    nl: 'regeleinden en stuurtekens zijn niet toegestaan',
  },
  {
    code: 'header_rule_needs_header',
    en: 'a header rule needs the header name',
    nl: 'een headerregel heeft de naam van de header nodig',
  },
  {
    code: 'header_only_for_header_rule',
    en: 'header is only used with field "header"',
    nl: 'header wordt alleen gebruikt bij veld "header"',
  },
  { code: 'builtin_variable', en: '%{name}% is a built-in variable', nl: '%{name}% is een ingebouwde variabele' },
  { code: 'unknown_text', en: 'no text named {name}', nl: 'er is geen tekst met de naam {name}' },
  {
    code: 'text_needs_language',
    en: 'give the text in at least one language',
    nl: 'geef de tekst in minstens één taal',
  },
  { code: 'too_many_texts', en: 'at most {max:n} texts', nl: 'hoogstens {max} teksten' },
  {
    code: 'text_is_default',
    en: 'text {name} is the default for {types}: choose another default (or none) for that document type first',
    nl: 'tekst {name} is de standaardtekst voor {types}: kies eerst een andere (of geen) voor die documentsoort',
  },
  { code: 'pattern_empty', en: 'pattern must not be empty', nl: 'het patroon mag niet leeg zijn' },
  {
    code: 'pattern_too_long',
    en: 'pattern is too long (at most {max:n} characters)',
    nl: 'het patroon is te lang (hoogstens {max} tekens)',
  },
  {
    code: 'pattern_too_complex',
    en: 'pattern is too complex ({size:n} instructions, at most {max:n}); use fewer or smaller repetitions like {1000}',
    nl:
      'het patroon is te ingewikkeld ({size} instructies, hoogstens {max}); gebruik minder of kleinere ' +
      'herhalingen zoals {1000}',
  },
  {
    code: 'pattern_unsupported',
    en:
      '{construct:t}: patterns run on a linear-time engine (RE2 syntax), which cannot run them without ' +
      'risking a hang',
    nl:
      '{construct}: patronen draaien op een engine in lineaire tijd (RE2-syntaxis), die ze niet kan uitvoeren ' +
      'zonder het risico vast te lopen',
  },
  {
    code: 'pattern_unsupported',
    en: 'backreferences (\\1, \\k<name>) are not supported',
    nl: 'terugverwijzingen (\\1, \\k<name>) worden niet ondersteund',
  },
  {
    code: 'pattern_unsupported',
    en: 'lookahead ((?=...) and (?!...)) is not supported',
    nl: 'lookahead ((?=...) en (?!...)) wordt niet ondersteund',
  },
  {
    code: 'pattern_unsupported',
    en: 'lookbehind ((?<=...) and (?<!...)) is not supported',
    nl: 'lookbehind ((?<=...) en (?<!...)) wordt niet ondersteund',
  },
  {
    code: 'pattern_unsupported',
    en: 'atomic groups ((?>...)) are not supported',
    nl: 'atomaire groepen ((?>...)) worden niet ondersteund',
  },
  {
    code: 'pattern_unsupported',
    en: 'possessive quantifiers (a++, a*+) are not supported',
    nl: 'possessieve kwantoren (a++, a*+) worden niet ondersteund',
  },
  { code: 'pattern_invalid', en: 'pattern does not compile: {detail}', nl: 'het patroon is ongeldig: {detail}' },
  {
    code: 'layout_no_content',
    en: 'the layout needs a %content% placeholder for the message text',
    nl: 'de opmaak heeft een %content%-plaatshouder nodig voor de tekst van het bericht',
  },
  { code: 'layout_script', en: '<script> is not allowed', nl: '<script> is niet toegestaan' },
  {
    code: 'layout_forbidden_element',
    en: '<meta http-equiv="refresh"> is not allowed',
    nl: '<meta http-equiv="refresh"> is niet toegestaan',
  },
  {
    code: 'layout_forbidden_element',
    en: '<{name}> is not allowed in an e-mail layout',
    nl: '<{name}> is niet toegestaan in een e-mailopmaak',
  },
  {
    code: 'layout_external_stylesheet',
    en: 'external stylesheets are not loaded by mail clients; put the CSS in the layout',
    nl: "e-mailprogramma's laden geen externe stylesheets; zet de CSS in de opmaak",
  },
  {
    code: 'layout_external_stylesheet',
    en: '@import loads an external stylesheet; put the CSS in the layout',
    nl: '@import laadt een externe stylesheet; zet de CSS in de opmaak',
  },
  {
    code: 'layout_event_handler',
    en: 'event handler {name} is not allowed',
    nl: 'event handler {name} is niet toegestaan',
  },
  {
    code: 'layout_javascript_url',
    en: 'javascript:, vbscript: and data:text/html URLs are not allowed',
    nl: "javascript:-, vbscript:- en data:text/html-URL's zijn niet toegestaan",
  },
  {
    code: 'layout_javascript_url',
    en: 'javascript: URLs are not allowed',
    nl: "javascript:-URL's zijn niet toegestaan",
  },
  {
    code: 'layout_too_large',
    en: 'the layout is too large (at most {max:n} characters)',
    nl: 'de opmaak is te groot (hoogstens {max} tekens)',
  },
  {
    code: 'layout_inline_timeout',
    en: "inlining the layout's CSS took longer than {seconds} s; use fewer CSS rules or elements",
    nl: 'het verwerken van de CSS van de opmaak duurde langer dan {seconds} s; gebruik minder CSS-regels of elementen',
  },
  {
    code: 'layout_inline_failed',
    en: 'the CSS inliner gave no result',
    nl: 'het verwerken van de CSS gaf geen resultaat',
  },
  {
    code: 'layout_inline_failed',
    en: "the layout's CSS could not be inlined: {detail}",
    nl: 'de CSS van de opmaak kon niet verwerkt worden: {detail}',
  },
  {
    code: 'busy',
    en: 'other layouts are being prepared; try again in a few seconds',
    nl: 'er worden nu andere opmaken verwerkt; probeer het over een paar seconden opnieuw',
  },
  {
    code: 'tracking_own_smtp',
    en:
      'open tracking is not available in own-smtp mode: your own server sends the mail, Postbode cannot add a ' +
      'pixel to it',
    nl:
      'open-tracking kan niet bij eigen SMTP-server: uw eigen server verstuurt de e-mail, Postbode kan er ' +
      'geen pixel aan toevoegen',
  },

  // Sender settings.
  {
    code: 'gmail_unavailable',
    en: 'Gmail mode is not available on this server: no Google OAuth client is configured',
    nl: 'Gmail kan op deze server niet: er is geen Google OAuth-client ingesteld',
  },
  {
    code: 'gmail_unavailable',
    en:
      'Gmail mode is not available on this server: the administrator has not configured a Google OAuth client ' +
      '(config gmail.clientId / gmail.clientSecret)',
    nl:
      'Gmail kan op deze server niet: de beheerder heeft geen Google OAuth-client ingesteld (config ' +
      'gmail.clientId / gmail.clientSecret)',
  },
  {
    code: 'gmail_not_linked',
    en:
      'Gmail mode needs a linked, working Gmail account: link one first (POST .../gmail/link), then choose ' +
      'mode gmail',
    nl:
      'Gmail vraagt een gekoppeld, werkend Gmail-account: koppel er eerst een (POST .../gmail/link) en kies ' +
      'dan Gmail',
  },
  {
    code: 'required_for_own_address',
    en: 'required for mode own-address',
    nl: 'verplicht bij een eigen afzenderadres',
  },
  {
    code: 'required_for_accountant',
    en: 'required when accountantMode is manual or automatic',
    nl: 'verplicht als de boekhouderskopie met de hand of automatisch gaat',
  },
  {
    code: 'required_for_peppol',
    en: 'required when Peppol delivery is enabled',
    nl: 'verplicht als verzenden via Peppol aan staat',
  },
  {
    code: 'peppol_id_form',
    en: 'must be scheme:value, e.g. 0208:0123456789 (four-digit scheme, then the number)',
    nl: 'moet schema:waarde zijn, bv. 0208:0123456789 (een schema van vier cijfers, dan het nummer)',
  },
  {
    code: 'peppol_id_scheme',
    en: 'unknown scheme {scheme}: use one of the Peppol EAS codes',
    nl: 'onbekend schema {scheme}: gebruik een van de Peppol-EAS-codes',
  },
  {
    code: 'peppol_id_be',
    en: 'a Belgian enterprise number has ten digits',
    nl: 'een Belgisch ondernemingsnummer heeft tien cijfers',
  },
  { code: 'peppol_too_many', en: 'at most {max:n} recipients', nl: 'hoogstens {max} ontvangers' },
  { code: 'required_for_own_smtp', en: 'required for mode own-smtp', nl: 'verplicht bij een eigen SMTP-server' },
  {
    code: 'own_smtp_untested',
    en:
      'own-smtp can only be activated after a successful test-send with the current server settings: save the ' +
      'server settings (with another mode), run POST .../sender/test-send, then set mode own-smtp',
    nl:
      'een eigen SMTP-server kan pas aan na een geslaagde testverzending met de huidige serverinstellingen: ' +
      'bewaar de serverinstellingen (met een andere verzendwijze), doe POST .../sender/test-send en kies dan de ' +
      'eigen SMTP-server',
  },
  {
    code: 'test_send_rate',
    en: 'at most {count:n} test-sends per {seconds:n} s; try again later',
    nl: 'hoogstens {count} testverzendingen per {seconds} s; probeer het later opnieuw',
  },
  {
    code: 'address_not_available',
    en: '{field}: this address is not available',
    nl: '{field}: dit adres is niet beschikbaar',
  },
  { code: 'address_not_available', en: 'this address is not available', nl: 'dit adres is niet beschikbaar' },
  {
    code: 'local_part_reserved',
    en: 'reserved for the platform: choose another',
    nl: 'gereserveerd voor het platform: kies een ander',
  },
  {
    code: 'own_smtp_not_saved',
    en: 'save the own SMTP server settings first',
    nl: 'bewaar eerst de instellingen van de eigen SMTP-server',
  },
  {
    code: 'no_accountant',
    en: 'the tenant has no accountant address (or accountantMode is off)',
    nl: 'er is geen adres van de boekhouder (of de boekhouderskopie staat uit)',
  },
  {
    code: 'accountant_mail_only',
    en: 'only mail can be sent to the accountant',
    nl: 'alleen e-mail kan naar de boekhouder',
  },
  {
    code: 'body_not_kept',
    en: 'the message body is no longer kept (retention)',
    nl: 'de inhoud van het bericht wordt niet meer bewaard (bewaartermijn)',
  },
  {
    code: 'no_reply_to',
    en: 'no "send replies to" address is saved',
    nl: 'er is geen adres voor "antwoorden naar" bewaard',
  },

  // Tenants, tokens, domains.
  {
    code: 'admin_only_allowed_ips',
    en: 'allowedIps can only be changed with the admin token',
    nl: 'allowedIps kan alleen met het beheerderstoken gewijzigd worden',
  },
  {
    code: 'admin_only_require_tls',
    en: 'requireTls can only be turned off with the admin token',
    nl: 'requireTls kan alleen met het beheerderstoken uitgezet worden',
  },
  {
    code: 'queue_not_empty',
    en: 'the tenant has {count:n} message(s) in the queue; retry with force=true to delete anyway',
    nl: 'de klant heeft {count} bericht(en) in de wachtrij; probeer opnieuw met force=true om toch te verwijderen',
  },
  {
    code: 'too_many_tokens',
    en: 'a tenant holds at most {max:n} API tokens; revoke one first',
    nl: 'een klant heeft hoogstens {max} API-tokens; trek er eerst een in',
  },
  {
    code: 'domain_not_available',
    en: 'this domain is not available: it is in use by another account',
    nl: 'dit domein is niet beschikbaar: een ander account gebruikt het',
  },
  { code: 'domain_exists', en: 'you added domain {domain} already', nl: 'u hebt domein {domain} al toegevoegd' },
  { code: 'not_a_domain', en: '{domain} is not a domain name', nl: '{domain} is geen domeinnaam' },
  // Microsoft 365 mode: the API's refusals and the callback page.
  {
    code: 'microsoft_unavailable',
    en: 'Microsoft 365 mode is not available on this server: no Entra app is configured',
    nl: 'Microsoft 365 kan op deze server niet: er is geen Entra-app ingesteld',
  },
  {
    code: 'microsoft_unavailable',
    en:
      'Microsoft 365 mode is not available on this server: the administrator has not configured an Entra app ' +
      '(config microsoft365.clientId / microsoft365.clientSecret)',
    nl:
      'Microsoft 365 kan op deze server niet: de beheerder heeft geen Entra-app ingesteld (config ' +
      'microsoft365.clientId / microsoft365.clientSecret)',
  },
  {
    code: 'microsoft_not_linked',
    en:
      'Microsoft 365 mode needs a linked, working mailbox: link one first (POST .../microsoft365/link), then ' +
      'choose mode microsoft365',
    nl:
      'Microsoft 365 vraagt een gekoppelde, werkende mailbox: koppel er eerst een (POST .../microsoft365/link) en ' +
      'kies dan Microsoft 365',
  },
  {
    code: 'microsoft_not_linked',
    en: 'no Microsoft 365 mailbox is linked: link one first',
    nl: 'er is geen Microsoft 365-mailbox gekoppeld: koppel er eerst een',
  },
  {
    code: 'microsoft_not_send_as',
    en: 'the linked Microsoft 365 mailbox may not send as this address (it may: {addresses})',
    nl: 'de gekoppelde Microsoft 365-mailbox mag niet als dit adres verzenden (wel als: {addresses})',
  },
  { code: 'microsoft_linked', en: 'Microsoft 365 linked', nl: 'Microsoft 365 gekoppeld' },
  { code: 'microsoft_not_linked', en: 'Microsoft 365 not linked', nl: 'Microsoft 365 niet gekoppeld' },
  {
    code: 'microsoft_linked',
    en: 'Microsoft 365 mailbox {address} is linked, you can close this page.',
    nl: 'Microsoft 365-mailbox {address} is gekoppeld, u kunt deze pagina sluiten.',
  },
  {
    code: 'microsoft_access_denied',
    en:
      'Microsoft reports that access was not granted (your organisation may need an administrator to consent ' +
      'first). Start linking again from the settings page if you want to use Microsoft 365 mode.',
    nl:
      'Microsoft meldt dat er geen toegang is gegeven (misschien moet een beheerder van uw organisatie eerst ' +
      'toestemming geven). Begin opnieuw vanaf de instellingenpagina als u via Microsoft 365 wilt verzenden.',
  },
  {
    code: 'microsoft_callback_direct',
    en:
      'This address is only meant to be opened by Microsoft after you allow access. Start linking from the ' +
      'settings page.',
    nl: 'Dit adres opent Microsoft pas nadat u toegang hebt gegeven. Begin met koppelen vanaf de instellingenpagina.',
  },
  {
    code: 'microsoft_sign_in_refused',
    en: 'Microsoft did not accept this sign-in (it may have expired). Start linking again from the settings page.',
    nl:
      'Microsoft heeft deze aanmelding niet aanvaard (misschien is ze verlopen). Begin opnieuw vanaf de ' +
      'instellingenpagina.',
  },
  {
    code: 'microsoft_store_failed',
    en:
      'Postbode could not store the link (its disk is full or failing). Nothing was linked: try again later from ' +
      'the settings page.',
    nl:
      'Postbode kon de koppeling niet opslaan (de schijf is vol of werkt niet). Er is niets gekoppeld: probeer het ' +
      'later opnieuw vanaf de instellingenpagina.',
  },
  {
    code: 'microsoft_unreachable',
    en: 'Microsoft could not be reached to finish linking. Try again in a few minutes from the settings page.',
    nl:
      'Microsoft was niet bereikbaar om het koppelen af te ronden. Probeer het over een paar minuten opnieuw ' +
      'vanaf de instellingenpagina.',
  },
  // The Gmail callback page (the browser comes back from Google's consent screen).
  { code: 'gmail_linked', en: 'Gmail linked', nl: 'Gmail gekoppeld' },
  { code: 'gmail_not_linked', en: 'Gmail not linked', nl: 'Gmail niet gekoppeld' },
  {
    code: 'gmail_linked',
    en: 'Gmail account {address} is linked, you can close this page.',
    nl: 'Gmail-account {address} is gekoppeld, u kunt deze pagina sluiten.',
  },
  {
    code: 'gmail_access_denied',
    en:
      'Google reports that access was not granted. Start linking again from the settings page if you want to ' +
      'use Gmail mode.',
    nl:
      'Google meldt dat er geen toegang is gegeven. Begin opnieuw vanaf de instellingenpagina als u via Gmail ' +
      'wilt verzenden.',
  },
  {
    code: 'gmail_callback_direct',
    en:
      'This address is only meant to be opened by Google after you allow access. Start linking from the ' +
      'settings page.',
    nl: 'Dit adres opent Google pas nadat u toegang hebt gegeven. Begin met koppelen vanaf de instellingenpagina.',
  },
  {
    code: 'gmail_sign_in_refused',
    en: 'Google did not accept this sign-in (it may have expired). Start linking again from the settings page.',
    nl:
      'Google heeft deze aanmelding niet aanvaard (misschien is ze verlopen). Begin opnieuw vanaf de ' +
      'instellingenpagina.',
  },
  {
    code: 'gmail_unreachable',
    en: 'Google could not be reached to finish linking. Try again in a few minutes from the settings page.',
    nl:
      'Google was niet bereikbaar om het koppelen af te ronden. Probeer het over een paar minuten opnieuw ' +
      'vanaf de instellingenpagina.',
  },
  {
    code: 'gmail_link_other_browser',
    en:
      'this link was started in another browser (or its cookie expired): start linking again from the ' +
      'settings page, in this browser',
    nl:
      'deze koppeling is in een andere browser gestart (of de cookie is verlopen): begin opnieuw vanaf de ' +
      'instellingenpagina, in deze browser',
  },
  {
    code: 'gmail_link_unknown',
    en: 'this link request is unknown, expired or was already used: start linking again from the settings page',
    nl: 'deze koppelaanvraag is onbekend, verlopen of al gebruikt: begin opnieuw vanaf de instellingenpagina',
  },
  // Combinations that do nothing, own-address domains, copies of copies.
  {
    code: 'tracking_layout_none',
    en:
      'open tracking is not in force: layout "none" sends plain text, which has no place for the pixel; ' +
      'choose another layout',
    nl:
      'open-tracking werkt nu niet: opmaak "geen" verstuurt platte tekst, waarin geen plaats is voor de ' +
      'pixel; kies een andere opmaak',
  },
  {
    code: 'tracking_own_smtp',
    en: 'open tracking is not in force in own-smtp mode: your own server sends the mail as it is',
    nl: 'open-tracking werkt niet bij een eigen SMTP-server: uw eigen server verstuurt de e-mail zoals hij is',
  },
  {
    code: 'tracking_gmail',
    en:
      'open tracking is not in force in gmail mode: one send reaches all recipients and your Sent folder ' +
      'would load the pixel',
    nl:
      'open-tracking werkt niet bij Gmail: één verzending bereikt alle ontvangers en uw map Verzonden zou de ' +
      'pixel laden',
  },
  {
    code: 'tracking_microsoft365',
    en:
      'open tracking is not in force in microsoft365 mode: one send reaches all recipients and your Sent Items ' +
      'would load the pixel',
    nl:
      'open-tracking werkt niet bij Microsoft 365: één verzending bereikt alle ontvangers en uw map Verzonden ' +
      'items zou de pixel laden',
  },
  {
    code: 'own_domain_first',
    en:
      "add this address's domain first (POST .../domains): own-address mode sends only from a domain in your " +
      'domain list',
    nl:
      'voeg eerst het domein van dit adres toe (POST .../domains): met een eigen e-mailadres wordt alleen ' +
      'verstuurd vanaf een domein uit uw lijst',
  },
  {
    code: 'accountant_copy_of_copy',
    en: 'this message is itself a copy for the accountant; send the original message to the accountant instead',
    nl: 'dit bericht is zelf al een kopie voor de boekhouder; stuur het oorspronkelijke bericht naar de boekhouder',
  },
];
