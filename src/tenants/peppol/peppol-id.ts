/**
 * Peppol participant ids as tenants type them: `scheme:value`, the scheme a four-digit ISO 6523
 * ICD code from the Peppol EAS list. We accept the subset our tenants' customers use (EU company
 * and VAT registers, GLN, DUNS); the value is the register's number without spaces.
 */
export const PEPPOL_SCHEMES: Readonly<Record<string, string>> = {
  '0007': 'Sweden organisation number',
  '0060': 'DUNS number',
  '0088': 'GLN (GS1 Global Location Number)',
  '0106': 'Netherlands KvK number',
  '0130': 'EU Directorates of the European Commission',
  '0184': 'Denmark CVR number',
  '0190': 'Netherlands OIN',
  '0192': 'Norway organisation number',
  '0195': 'Singapore UEN',
  '0196': 'Iceland kennitala',
  '0198': 'Denmark ERSTORG',
  '0204': 'Germany Leitweg-ID',
  '0208': 'Belgium enterprise number (KBO/BCE)',
  '0209': 'GS1 identification keys',
  '0210': 'Italy Codice Fiscale',
  '0211': 'Italy Partita IVA',
  '0212': 'Finland organisation identifier',
  '0213': 'Finland VAT number',
  '0225': 'France FRCTC electronic address',
  '0230': 'Malaysia national e-invoicing framework',
  '9906': 'Italy Partita IVA (legacy)',
  '9914': 'Austria UID number',
  '9915': 'Austria Verwaltungskennzeichen',
  '9925': 'Belgium VAT number',
  '9930': 'Germany VAT number',
  '9938': 'Luxembourg VAT number',
  '9944': 'Netherlands VAT number',
  '9957': 'France VAT number',
};

const FORM = /^(\d{4}):([A-Za-z0-9][A-Za-z0-9.\-_]{0,49})$/;

/** Why `id` is not a Peppol id we accept, in plain words; undefined when it is. */
export function peppolIdProblem(id: string): string | undefined {
  const match = FORM.exec(id);
  if (!match) return 'must be scheme:value, e.g. 0208:0123456789 (four-digit scheme, then the number)';
  if (PEPPOL_SCHEMES[match[1]!] === undefined) return `unknown scheme ${match[1]}: use one of the Peppol EAS codes`;
  if (match[1] === '0208' && !/^\d{10}$/.test(match[2]!)) return 'a Belgian enterprise number has ten digits';
  return undefined;
}

/** The id as stored and sent: the value's letters in lower case (Peppol ids compare case-insensitively). */
export function normalPeppolId(id: string): string {
  return id.trim().toLowerCase();
}
