/**
 * IBAN checks (ISO 13616): letters count as 10..35 and the rearranged number must leave 1 when
 * divided by 97. The same ISO 7064 MOD 97-10 check serves ISO 11649 creditor references.
 */

/** The remainder of an alphanumeric string read as a number, letters as 10..35, digit by digit. */
export function mod97(alphanumeric: string): number {
  let rest = 0;
  for (const ch of alphanumeric) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) rest = (rest * 10 + Number(digit)) % 97;
  }
  return rest;
}

/** True when `s` (spaces removed, upper case) passes ISO 7064 MOD 97-10 with its 4 leading characters moved last. */
export function passesMod97(s: string): boolean {
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

export interface IbanCheck {
  /** Without spaces, upper case: "BE71096123456769". */
  readonly iban: string;
  readonly valid: boolean;
}

const SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;

export function checkIban(written: string): IbanCheck {
  const iban = written.replace(/[\s-]/g, '').toUpperCase();
  return { iban, valid: SHAPE.test(iban) && passesMod97(iban) };
}
