import { describe, expect, it } from 'vitest';
import { normalPeppolId, peppolIdProblem } from '../../../src/tenants/peppol/peppol-id.js';

describe('Peppol participant ids', () => {
  it('accepts scheme:value with a scheme from the list', () => {
    for (const id of ['0208:0123456789', '9925:BE0123456789', '0088:5790000435975', '0204:991-12345-06'])
      expect(peppolIdProblem(id)).toBeUndefined();
    expect(normalPeppolId(' 9925:BE0123456789 ')).toBe('9925:be0123456789');
  });

  it('says what is wrong with anything else', () => {
    expect(peppolIdProblem('0123456789')).toMatch(/scheme:value/);
    expect(peppolIdProblem('0208:')).toMatch(/scheme:value/);
    expect(peppolIdProblem('0208:01234 56789')).toMatch(/scheme:value/);
    expect(peppolIdProblem('1234:0123456789')).toBe('unknown scheme 1234: use one of the Peppol EAS codes');
    expect(peppolIdProblem('0208:123')).toBe('a Belgian enterprise number has ten digits');
  });
});
