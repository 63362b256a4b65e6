/**
 * Self-checking numbers found in a PDF's text: an IBAN (ISO 13616, mod 97), Belgium's structured
 * communication `+++123/4567/89012+++` (the last two digits are the first ten mod 97, 97 for 0) and
 * the ISO 11649 creditor reference `RF18…` (mod 97 like an IBAN). A check that passes is what makes
 * an unlabelled number in running text trustworthy.
 */

/** Mod 97 of a string of digits and letters (A=10 … Z=35), in chunks so no big integers are needed. */
function mod97(alnum: string): number {
  let rest = 0;
  for (const ch of alnum) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : ch;
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

/** IBAN without spaces, upper case, when its check digits are right; otherwise undefined. */
export function normaliseIban(text: string): string | undefined {
  const iban = text.replace(/[\s\u00a0]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return undefined;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1 ? iban : undefined;
}

/** `+++123/4567/89012+++` as written (also `***…***` and without slashes), when its mod-97 check holds. */
export function normaliseStructured(text: string): string | undefined {
  const match = /^(?:\+{3}|\*{3})\s*(\d{3})\s*\/?\s*(\d{4})\s*\/?\s*(\d{5})\s*(?:\+{3}|\*{3})$/.exec(text.trim());
  if (match === null) return undefined;
  const digits = `${match[1]}${match[2]}${match[3]}`;
  const check = Number(digits.slice(0, 10)) % 97 || 97;
  if (check !== Number(digits.slice(10))) return undefined;
  return `+++${match[1]}/${match[2]}/${match[3]}+++`;
}

/** `RF18 5390 0754 7034` → `RF18539007547034` when the ISO 11649 check holds. */
export function normaliseCreditorReference(text: string): string | undefined {
  const ref = text.replace(/[\s\u00a0]/g, '').toUpperCase();
  if (!/^RF\d{2}[A-Z0-9]{1,21}$/.test(ref)) return undefined;
  return mod97(ref.slice(4) + ref.slice(0, 4)) === 1 ? ref : undefined;
}
