import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PlannedDelivery } from '../../../src/core/plan.js';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { createSignStage, SIGNING_FAILED_REPLY, signerFor } from '../../../src/mailauth/sign-stage.js';
import type { SigningKey } from '../../../src/mailauth/signer.js';

const logger = pino({ level: 'silent' });
const KEY: SigningKey = { domain: 'acme.test', selector: 'pb1', algorithm: 'rsa', privateKeyPem: 'pem' };

function delivery(raw: Buffer, to: string): PlannedDelivery {
  return {
    route: { kind: 'smarthost', name: 'smarthost' },
    recipients: [to],
    envelope: { from: 'b@x.test', to: [to] },
    raw,
  };
}

function countingPool(fail = false) {
  const signed: Buffer[] = [];
  return {
    signed,
    sign: async (raw: Buffer, keys: readonly SigningKey[]) => {
      signed.push(raw);
      if (fail) throw new Error('worker died');
      return Buffer.concat([Buffer.from(`DKIM-Signature: d=${keys.map((k) => k.domain).join(',')}\r\n`), raw]);
    },
  };
}

describe('sign stage', () => {
  it('signs each distinct buffer once; deliveries sharing one share the signed copy', async () => {
    const pool = countingPool();
    const stage = createSignStage({ pool, logger, keys: { platformKeys: () => [], tenantKeys: () => [KEY] } });
    const shared = Buffer.from('From: a@acme.test\r\n\r\nhi\r\n');
    const own = Buffer.from('From: a@acme.test\r\n\r\nyo\r\n');
    const out = await stage(
      [delivery(shared, 'a@x.test'), delivery(shared, 'b@x.test'), delivery(own, 'c@x.test')],
      { kind: 'tenant', tenantId: 'T1', domain: 'acme.test' },
      'Q1',
    );
    expect(pool.signed).toHaveLength(2);
    expect(out.map((d) => d.raw.toString().startsWith('DKIM-Signature: d=acme.test'))).toEqual([true, true, true]);
    expect(out[0]!.raw).toBe(out[1]!.raw);
    expect(out.map((d) => d.recipients[0])).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
  });

  it(
    'forwarding without a platform key stays unsigned; ' + 'own-address without a key is deferred, never unsigned',
    async () => {
      const pool = countingPool();
      const stage = createSignStage({ pool, logger, keys: { platformKeys: () => [], tenantKeys: () => [] } });
      const raw = Buffer.from('From: a@x\r\n\r\n');
      expect((await stage([delivery(raw, 'a@x.test')], { kind: 'platform' }, 'Q1'))[0]!.raw).toBe(raw);
      await expect(
        stage([delivery(raw, 'a@x.test')], { kind: 'tenant', tenantId: 'T1', domain: 'acme.test' }, 'Q1'),
      ).rejects.toMatchObject({ code: 'E_DKIM_SIGN', reply: SIGNING_FAILED_REPLY });
      expect(pool.signed).toHaveLength(0);
    },
  );

  it('a signing failure defers with a 451 4.7.5 reply instead of sending unsigned', async () => {
    const stage = createSignStage({
      pool: countingPool(true),
      logger,
      keys: { platformKeys: () => [KEY], tenantKeys: () => [] },
    });
    const err = await stage([delivery(Buffer.from('From: a@x\r\n\r\n'), 'a@x.test')], { kind: 'platform' }, 'Q1').catch(
      (e: unknown) => e,
    );
    expect(isGatewayError(err, 'E_DKIM_SIGN')).toBe(true);
    expect((err as { reply?: unknown }).reply).toEqual({
      code: 451,
      enhanced: '4.7.5',
      text: 'DKIM signing failed, will retry',
    });
  });

  it('signerFor: platform key for forwarding, the From domain for own-address, nothing for own-smtp', () => {
    expect(signerFor('forwarding', 'T1', 'x@acme.test')).toEqual({ kind: 'platform' });
    expect(signerFor('own-address', 'T1', 'x@Acme.TEST')).toEqual({
      kind: 'tenant',
      tenantId: 'T1',
      domain: 'acme.test',
    });
    expect(signerFor('own-smtp', 'T1', 'x@acme.test')).toBeUndefined();
  });
});
