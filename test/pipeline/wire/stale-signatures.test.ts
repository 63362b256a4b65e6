import { describe, expect, it } from 'vitest';
import { setField, splitMessage, withoutFields } from '../../../src/mime/index.js';
import { withoutStaleSignatures } from '../../../src/pipeline/wire/stale-signatures.js';

const SIGNED = splitMessage(
  Buffer.from(
    'DKIM-Signature: v=1; a=rsa-sha256; d=pkg.test; s=s; h=From:Subject:To; bh=x; b=y\r\n' +
      'ARC-Seal: i=1; a=rsa-sha256; d=relay.test; s=s; cv=none; b=z\r\n' +
      'From: a@pkg.test\r\nTo: b@example.net\r\nSubject: one\r\nX-Mailer: pkg\r\n\r\nbody\r\n',
  ),
);
const never = (): boolean => false;

describe('withoutStaleSignatures', () => {
  it('keeps the signatures byte for byte while nothing they cover changed', () => {
    const out = withoutFields(SIGNED, ['x-mailer']);
    expect(withoutStaleSignatures(SIGNED, out, never)).toBe(out);
  });

  it('drops DKIM-Signature and ARC-* when a signed field, the body, or the pixel to come changes them', () => {
    const changed = [setField(SIGNED, 'From', 'b@platform.test'), { ...SIGNED, rest: Buffer.from('\r\nbody!\r\n') }];
    for (const out of changed) {
      const kept = withoutStaleSignatures(SIGNED, out, never);
      expect(kept.fields.some((f) => /^(dkim-signature|arc-seal):/i.test(f))).toBe(false);
    }
    expect(withoutStaleSignatures(SIGNED, SIGNED, () => true).fields).toHaveLength(4);
  });
});
