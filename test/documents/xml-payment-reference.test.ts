import { describe, expect, it } from 'vitest';
import { checkIban } from '../../src/documents/iban.js';
import { belgianCheckDigits, checkPaymentReference } from '../../src/documents/payment-reference.js';

describe('payment references', () => {
  it('checks Belgian structured references: the first ten digits modulo 97, 97 when that is 0', () => {
    expect(belgianCheckDigits('0902600042')).toBe('07');
    expect(belgianCheckDigits('0000000097')).toBe('97');
    expect(checkPaymentReference('+++090/2600/04207+++')).toEqual({ kind: 'be-structured', valid: true });
    expect(checkPaymentReference('***090/2600/04207***')).toEqual({ kind: 'be-structured', valid: true });
    expect(checkPaymentReference(' 000/0000/09797 ')).toEqual({ kind: 'be-structured', valid: true });
    expect(checkPaymentReference('+++090/2600/04208+++')).toEqual({
      kind: 'be-structured',
      valid: false,
      problem: 'Belgian structured reference fails its mod-97 check',
    });
  });

  it('checks ISO 11649 RF references, with or without spaces', () => {
    expect(checkPaymentReference('RF18539007547034')).toEqual({ kind: 'iso-11649', valid: true });
    expect(checkPaymentReference('rf18 5390 0754 7034')).toEqual({ kind: 'iso-11649', valid: true });
    expect(checkPaymentReference('RF19539007547034')).toMatchObject({ kind: 'iso-11649', valid: false });
    expect(checkPaymentReference('RF18' + 'A'.repeat(22))).toMatchObject({ valid: false });
  });

  it('leaves any other reference free', () => {
    expect(checkPaymentReference('RE-2026-0815')).toEqual({ kind: 'free', valid: true });
    expect(checkPaymentReference('RFQ 12')).toEqual({ kind: 'free', valid: true });
    expect(checkPaymentReference('123456789012')).toEqual({ kind: 'free', valid: true });
  });
});

describe('IBAN', () => {
  it('passes real IBANs, spaces and case ignored', () => {
    for (const iban of [
      'BE71 0961 2345 6769',
      'de89370400440532013000',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
    ]) {
      expect(checkIban(iban).valid).toBe(true);
    }
    expect(checkIban('BE71 0961 2345 6769').iban).toBe('BE71096123456769');
  });

  it('fails a changed digit, a swap and a wrong shape', () => {
    expect(checkIban('BE71096123456768').valid).toBe(false);
    expect(checkIban('BE71096123456796').valid).toBe(false);
    expect(checkIban('IBAN32423940').valid).toBe(false);
    expect(checkIban('BE71').valid).toBe(false);
  });
});
