import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { activeSigningKeys, type KeySealer } from '../../../src/tenants/domains/domain-keys.js';
import { domainKeyContext, type DomainRecord } from '../../../src/tenants/domains/domain-types.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n';

/** A real SecretBox that counts how often it opens a sealed value. */
function countingSealer(): KeySealer & { opens: number } {
  const box = createSecretBox(Buffer.alloc(32, 3));
  const sealer = {
    opens: 0,
    seal: (plaintext: string, context: string) => box.seal(plaintext, context),
    open(sealed: string, context: string) {
      sealer.opens++;
      return box.open(sealed, context);
    },
  };
  return sealer;
}

function record(tenantId: string, domain: string, sealed: string): DomainRecord {
  return {
    domain,
    tenantId,
    keySet: 'rsa',
    status: 'active',
    createdAt: 0,
    selectors: [
      {
        selector: 's1',
        algorithm: 'rsa',
        publicKeyDnsValue: 'v=DKIM1',
        createdAt: 0,
        state: 'active',
        privateKeySealed: sealed,
      },
    ],
  };
}

describe('activeSigningKeys', () => {
  it('opens a sealed key once, however many messages ask for it', () => {
    const sealer = countingSealer();
    const sealed = sealer.seal(PEM, domainKeyContext('t1', 'a.test', 's1'));
    for (let i = 0; i < 50; i++)
      expect(activeSigningKeys(sealer, record('t1', 'a.test', sealed))[0]?.privateKeyPem).toBe(PEM);
    expect(sealer.opens).toBe(1);
  });

  it("does not hand one tenant's sealed key to another tenant's record (the context is part of the answer)", () => {
    const sealer = countingSealer();
    const sealed = sealer.seal(PEM, domainKeyContext('t1', 'a.test', 's1'));
    expect(activeSigningKeys(sealer, record('t1', 'a.test', sealed))).toHaveLength(1);
    // The same bytes stored under tenant t2's record: opened again under t2's context, which must fail.
    expect(() => activeSigningKeys(sealer, record('t2', 'a.test', sealed))).toThrow();
  });

  it('a tampered or rotated value is opened afresh, never served from what was opened before', () => {
    const sealer = countingSealer();
    const context = domainKeyContext('t1', 'a.test', 's1');
    const sealed = sealer.seal(PEM, context);
    activeSigningKeys(sealer, record('t1', 'a.test', sealed));
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(() => activeSigningKeys(sealer, record('t1', 'a.test', tampered))).toThrow();
    const rotated = sealer.seal(`${PEM}rotated\n`, context);
    expect(activeSigningKeys(sealer, record('t1', 'a.test', rotated))[0]?.privateKeyPem).toBe(`${PEM}rotated\n`);
  });
});
