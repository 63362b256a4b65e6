import { generate } from 'selfsigned';

/**
 * A certificate authority for tests, and certificates it signs: what a client told to trust
 * `ca` (and only it) accepts, as a real mail host's or MTA-STS server's certificate would be.
 * EC keys: quick to generate.
 */
export interface TestCa {
  readonly cert: string;
  readonly key: string;
  /** A leaf certificate for `names` (DNS subjectAltNames) signed by this CA. */
  issue(names: readonly string[], validity?: { readonly notAfter?: Date }): Promise<TestCert>;
}

export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

export async function createTestCa(name = 'Postbode Test CA'): Promise<TestCa> {
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return {
    cert: ca.cert,
    key: ca.private,
    issue: async (names, validity = {}) => {
      const leaf = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
        keyType: 'ec',
        algorithm: 'sha256',
        ca: { key: ca.private, cert: ca.cert },
        ...(validity.notAfter
          ? { notBeforeDate: new Date(Date.now() - 86_400_000), notAfterDate: validity.notAfter }
          : {}),
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
        ],
      });
      return { cert: leaf.cert, key: leaf.private };
    },
  };
}
