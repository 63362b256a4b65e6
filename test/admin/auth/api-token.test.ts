import { describe, expect, it } from 'vitest';
import { generateToken, hashSecret, parseToken, secretMatches } from '../../../src/admin/auth/api-token.js';
import { isQueueId } from '../../../src/core/ids.js';

describe('API token format', () => {
  it('is pb_<id>_<secret> with a queue id and 256 random bits, hashed for storage', () => {
    const t = generateToken(1_700_000_000_000);
    expect(t.token).toMatch(/^pb_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(isQueueId(t.id)).toBe(true);
    const parsed = parseToken(t.token);
    expect(parsed?.id).toBe(t.id);
    expect(parsed && secretMatches(parsed.secret, t.secretHash)).toBe(true);
    expect(t.secretHash).not.toContain(parsed?.secret ?? '?');
    expect(generateToken(1).token).not.toBe(generateToken(1).token);
  });

  it('parses a secret that itself holds underscores and dashes', () => {
    const secret = `${'_'.repeat(20)}${'-'.repeat(23)}`;
    expect(parseToken(`pb_01JD4T8X9M2C5V7B3N6K0QWERT_${secret}`)).toEqual({ id: '01JD4T8X9M2C5V7B3N6K0QWERT', secret });
  });

  it.each([
    '',
    'pb_',
    'Bearer pb_x',
    'pb_01JD4T8X9M2C5V7B3N6K0QWERT',
    'pb_01JD4T8X9M2C5V7B3N6K0QWERT_short',
    `pb_01jd4t8x9m2c5v7b3n6k0qwert_${'a'.repeat(43)}`,
    `pb_01JD4T8X9M2C5V7B3N6K0QWERU_${'a'.repeat(43)}!`,
    `xx_01JD4T8X9M2C5V7B3N6K0QWERT_${'a'.repeat(43)}`,
  ])('refuses the malformed token %j', (text) => {
    expect(parseToken(text)).toBeUndefined();
  });

  it('compares secrets against their hash only, and refuses a wrong or malformed hash', () => {
    const hash = hashSecret('right');
    expect(secretMatches('right', hash)).toBe(true);
    expect(secretMatches('wrong', hash)).toBe(false);
    expect(secretMatches('right', 'not-base64-of-32-bytes')).toBe(false);
  });
});
