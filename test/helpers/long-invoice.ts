/**
 * Content settings for an invoice whose text is long enough for the open-tracking pixel: HTML
 * under MIN_HTML_FOR_PIXEL characters goes out without one (src/pipeline/tracking/pixel-threshold.ts).
 * The default language is nl, so the one variant serves every recipient.
 */
export const LONG_INVOICE_TEXT = [
  'Beste %client-name%,',
  '',
  'In bijlage vindt u factuur %document-number% voor de geleverde broden en gebak in maart.',
  'Het totaalbedrag van %amount% mag u overmaken op IBAN BE71 0961 2345 6769 (BIC GKCCBEBB).',
  'Vermeld daarbij het factuurnummer, dan verwerken we uw betaling sneller.',
  'Hebt u een vraag over deze factuur? Antwoord gewoon op deze e-mail.',
  '',
  'Zoals elk jaar sluiten we de bakkerij tijdens de eerste twee weken van augustus voor onderhoud van de ovens.',
  'Bestellingen voor die periode kunt u tot eind juli doorgeven; we leveren ze dan een dag vroeger dan gewoonlijk.',
  'Vanaf september bakken we ook op zaterdag, zodat u voor het weekend vers brood en gebak in huis hebt.',
  'Wilt u uw vaste bestelling aanpassen of een nieuwe levering plannen, laat het ons dan gerust weten.',
  'We nemen binnen een werkdag contact met u op om alles samen af te spreken.',
  'Onze chauffeurs leveren zoals gewoonlijk tussen zes en acht uur, ook op feestdagen.',
  '',
  'Nieuw in ons assortiment zijn een volkorenbrood met zaden en een glutenvrij rozijnenbrood.',
  'Beide zijn vanaf volgende week te bestellen, in dezelfde hoeveelheden als ons gewone brood.',
  'Proeft u ze liever eerst? Bij uw volgende levering voegen we graag een proefexemplaar toe.',
  'Voor recepties en feesten maken we ook taarten en belegde broodjes op bestelling.',
  'Geef ons daarvoor minstens drie werkdagen op voorhand door hoeveel personen u verwacht.',
  'Met een vaste bestelling van minstens tien broden per week krijgt u bovendien vijf procent korting.',
  '',
  'Tot slot een praktische vraag: laat u ons weten of het leveringsadres en de contactpersoon nog kloppen?',
  'Sinds vorig jaar sturen we al onze facturen per e-mail, zodat u ze sneller ontvangt en makkelijk bewaart.',
  'Hebt u liever een papieren exemplaar, dan sturen we dat uiteraard ook met de post.',
  'Ons kantoor is bereikbaar van maandag tot vrijdag, telkens van negen tot vijf uur.',
  '',
  'Bedankt voor uw vertrouwen en tot binnenkort,',
  '%company-name%',
].join('\n');

/** Merge into a PUT /tenants/:id/content body: invoices get LONG_INVOICE_TEXT in the default layout. */
export const LONG_INVOICE_CONTENT = {
  texts: { Lang: { nl: LONG_INVOICE_TEXT } },
  defaultTexts: { invoice: 'Lang' },
  body: { invoice: 'replace' },
} as const;
