import { describe, expect, it } from 'vitest';
import { makeVerp, parseVerp } from '../../src/feedback/verp.js';

const settings = { localPart: 'bounces', domain: 'bounce.postbode.test', key: Buffer.alloc(32, 1) };
const ID = '01JD4T8X9M2C5V7B3N6K0QWERT';

describe('VERP', () => {
  it('round-trips queue id and recipient index, in lower case', () => {
    const address = makeVerp(settings, { queueId: ID, recipientIndex: 3 });
    expect(address).toMatch(/^bounces\+01jd4t8x9m2c5v7b3n6k0qwert-3-[a-z2-7]{13}@bounce\.postbode\.test$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(parseVerp(settings, address)).toEqual({ queueId: ID, recipientIndex: 3 });
    expect(parseVerp(settings, address.toUpperCase())).toEqual({ queueId: ID, recipientIndex: 3 });
  });

  it('refuses forged or altered tokens and foreign addresses', () => {
    const address = makeVerp(settings, { queueId: ID, recipientIndex: 0 });
    expect(parseVerp(settings, address.replace('-0-', '-1-'))).toBeUndefined();
    expect(parseVerp({ ...settings, key: Buffer.alloc(32, 2) }, address)).toBeUndefined();
    expect(parseVerp(settings, address.replace('bounce.postbode.test', 'evil.test'))).toBeUndefined();
    const mac = address.slice(address.lastIndexOf('-') + 1, address.indexOf('@'));
    const flipped = address.replace(mac, (mac[0] === 'a' ? 'b' : 'a') + mac.slice(1));
    expect(parseVerp(settings, flipped)).toBeUndefined();
    expect(parseVerp(settings, 'someone@bounce.postbode.test')).toBeUndefined();
    expect(parseVerp(settings, 'bounces+junk@bounce.postbode.test')).toBeUndefined();
  });
});
