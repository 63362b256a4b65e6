import type { CatalogEntry } from '../core/text-catalog.js';

/** The platform records' advice (dns-platform-checks.ts) per language; joined into DNS_ADVICE. */
export const PLATFORM_DNS_ADVICE: readonly CatalogEntry[] = [
  { code: 'record-mx', en: 'MX record', nl: 'MX-record' },
  { code: 'record-mta-sts', en: 'MTA-STS record', nl: 'MTA-STS-record' },
  { code: 'record-tls-rpt', en: 'TLS-RPT record', nl: 'TLS-RPT-record' },
  { code: 'record-helo', en: 'host name (HELO)', nl: 'hostnaam (HELO)' },
  {
    code: 'not-found',
    en: 'There is no MX record at {domain}. Add one pointing to {host}, so bounces and replies reach Postbode.',
    nl:
      'Er is geen MX-record op {domain}. Voeg er een toe dat naar {host} wijst, zodat bounces en antwoorden ' +
      'Postbode bereiken.',
  },
  { code: 'ok', en: 'The MX record is correct.', nl: 'Het MX-record is juist.' },
  {
    code: 'wrong-target',
    en: 'The MX record at {domain} points to {found}; change it to point to {host}.',
    nl: 'Het MX-record op {domain} wijst naar {found}; laat het naar {host} wijzen.',
  },
  {
    code: 'several-records',
    en: 'There are {count:n} records at {name}; receivers ignore them all. Keep one.',
    nl: 'Er staan {count} records op {name}; ontvangers negeren ze allemaal. Houd er één.',
  },
  { code: 'ok', en: 'The record at {name} is correct.', nl: 'Het record op {name} is juist.' },
  {
    code: 'not-found',
    en:
      'There is no MTA-STS record at {name}. Recommended: serve a policy (mode: testing, mx: {host}) at {url} and ' +
      'add this TXT record, so senders use TLS to reach us.',
    nl:
      'Er is geen MTA-STS-record op {name}. Aanbevolen: bied een beleid aan (mode: testing, mx: {host}) op {url} ' +
      'en voeg dit TXT-record toe, zodat verzenders ons via TLS bereiken.',
  },
  {
    code: 'not-found',
    en: 'There is no TLS-RPT record at {name}. Recommended: add a TXT record with this value: {expected}',
    nl: 'Er is geen TLS-RPT-record op {name}. Aanbevolen: voeg een TXT-record toe met deze waarde: {expected}',
  },
  {
    code: 'not-found',
    en:
      'There is no SPF record at {include}. Add a TXT record listing the addresses Postbode sends from ({value}): ' +
      'every SPF record that includes it depends on it.',
    nl:
      'Er is geen SPF-record op {include}. Voeg een TXT-record toe met de adressen waarvandaan Postbode verzendt ' +
      '({value}): elk SPF-record dat het insluit hangt ervan af.',
  },
  {
    code: 'not-found',
    en:
      'The host name {host} (what Postbode says in HELO) has no address. Add A (and AAAA) records with the ' +
      'addresses Postbode sends from.',
    nl:
      'De hostnaam {host} (wat Postbode in HELO zegt) heeft geen adres. Voeg A- (en AAAA-)records toe met de ' +
      'adressen waarvandaan Postbode verzendt.',
  },
  { code: 'ok', en: 'The host name and its reverse DNS match.', nl: 'De hostnaam en zijn reverse DNS komen overeen.' },
  {
    code: 'reverse-mismatch',
    en:
      'The reverse DNS (PTR) of {addresses} does not name {host}. Ask the provider of these addresses to set it ' +
      'to {target}: Gmail and Yahoo refuse or junk mail from addresses without it.',
    nl:
      'De reverse DNS (PTR) van {addresses} noemt {host} niet. Vraag de leverancier van deze adressen om die op ' +
      '{target} te zetten: Gmail en Yahoo weigeren mail van adressen zonder, of zetten die bij de spam.',
  },
];
