/**
 * Signatures made by signMessage and by the worker pool, verified by mailauth's verifier
 * through a real DNS server on 127.0.0.1 serving the published records, and by a second,
 * independent verifier (python3-dkim) given the same records.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedDelivery } from '../../../src/core/plan.js';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { resolverFor } from '../../../src/mailauth/dns-lookup.js';
import { generateDkimKey, type DkimKey } from '../../../src/mailauth/keys.js';
import { dkimRecord } from '../../../src/mailauth/records.js';
import { createSignPool } from '../../../src/mailauth/sign-pool.js';
import { createSignStage } from '../../../src/mailauth/sign-stage.js';
import { signMessage, type SigningKey } from '../../../src/mailauth/signer.js';
import { txtResolver, verifyMessage, type TxtResolver } from '../../../src/mailauth/verify.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { pyDkimStatuses } from '../../helpers/dkim-verify-py.js';

const DOMAIN = 'invoices.test';

const MESSAGE = [
  'From: Invoices <billing@invoices.test>',
  'To: customer@example.net',
  'Subject: Invoice 2026-0042',
  'Date: Mon, 02 Nov 2026 10:00:00 +0000',
  'Message-ID: <42@invoices.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Dear customer,',
  '',
  'please find your invoice attached.',
  '',
].join('\r\n');

let dns: DnsTestServer;
let resolver: TxtResolver;
let keys: SigningKey[];
let published: Record<string, string>;

beforeAll(async () => {
  const [rsa, ed] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('ed25519')]);
  const records = [dkimRecord(DOMAIN, 'pb202611', rsa), dkimRecord(DOMAIN, 'pb202611e', ed)];
  published = Object.fromEntries(records.map((r) => [r.name, r.value]));
  dns = await startDnsServer(Object.fromEntries(records.map((r) => [r.name, { TXT: [r.valueChunks] }])));
  resolver = txtResolver(resolverFor(dns.address, { timeoutMs: 500, tries: 2 }));
  keys = [signingKey(rsa, 'pb202611'), signingKey(ed, 'pb202611e')];
});

afterAll(async () => {
  await dns?.close();
});

function signingKey(key: DkimKey, selector: string): SigningKey {
  return { domain: DOMAIN, selector, privateKeyPem: key.privateKeyPem, algorithm: key.algorithm };
}

async function statuses(raw: Buffer): Promise<string[]> {
  return (await verifyMessage(raw, resolver)).map((r) => `${r.algo} ${r.status}`);
}

const BOTH_PASS = ['rsa-sha256 pass', 'ed25519-sha256 pass'];
const BOTH_FAIL = ['rsa-sha256 fail', 'ed25519-sha256 fail'];

describe('signMessage verified by mailauth through the local DNS server', () => {
  it('makes an RSA and an Ed25519 signature that both pass', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    const results = await verifyMessage(signed, resolver);
    expect(results).toEqual([
      { domain: DOMAIN, selector: 'pb202611', algo: 'rsa-sha256', status: 'pass', comment: null },
      { domain: DOMAIN, selector: 'pb202611e', algo: 'ed25519-sha256', status: 'pass', comment: null },
    ]);
    expect(dns.queries).toEqual(
      expect.arrayContaining([`pb202611._domainkey.${DOMAIN} TXT`, `pb202611e._domainkey.${DOMAIN} TXT`]),
    );
  });

  it('makes signatures that python3-dkim verifies too, and that it fails after a change', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    expect(await pyDkimStatuses(signed, published)).toEqual(['pb202611 pass', 'pb202611e pass']);
    const tampered = Buffer.from(signed.toString('latin1').replace('invoice attached', 'Invoice attached'), 'latin1');
    expect(await pyDkimStatuses(tampered, published)).toEqual(['pb202611 fail', 'pb202611e fail']);
  });

  it('fails after one byte of the body changes', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    const tampered = Buffer.from(signed);
    const at = tampered.indexOf('invoice attached');
    tampered[at] = 'I'.charCodeAt(0);
    // mailauth reports a body hash mismatch as "neutral" (RFC 6376 6.3 leaves the word open): not a pass.
    const results = await verifyMessage(tampered, resolver);
    expect(results.map((r) => `${r.algo} ${r.status} ${r.comment}`)).toEqual([
      'rsa-sha256 neutral body hash did not verify',
      'ed25519-sha256 neutral body hash did not verify',
    ]);
  });

  it('fails after the Subject changes', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    const tampered = Buffer.from(
      signed.toString('latin1').replace('Subject: Invoice 2026-0042', 'Subject: Invoice 2026-0043'),
      'latin1',
    );
    expect(await statuses(tampered)).toEqual(BOTH_FAIL);
  });

  it('fails when a second From, Subject or a Reply-To is added after signing (oversigning)', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    for (const extra of ['From: ceo@invoices.test', 'Subject: Urgent: pay now', 'Reply-To: attacker@evil.test']) {
      expect(await statuses(Buffer.concat([Buffer.from(`${extra}\r\n`), signed])), extra).toEqual(BOTH_FAIL);
    }
  });

  it('shows why: without oversigning (mailauth dkimSign) a prepended From still passes', async () => {
    const raw = Buffer.from(MESSAGE);
    const [rsaKey] = keys;
    const privateKey = rsaKey?.privateKeyPem ?? '';
    // Its index.d.ts types the options flat; at runtime the keys go in `signatureData`.
    const options = {
      signingDomain: DOMAIN,
      selector: 'pb202611',
      privateKey,
      canonicalization: 'relaxed/relaxed',
      signatureData: [{ signingDomain: DOMAIN, selector: 'pb202611', privateKey }],
    };
    const { signatures, errors } = await dkimSign(raw, options);
    expect(errors).toEqual([]);
    const plain = Buffer.concat([Buffer.from(signatures), raw]);
    expect(await statuses(Buffer.concat([Buffer.from('From: ceo@invoices.test\r\n'), plain]))).toEqual([
      'rsa-sha256 pass',
    ]);
  });

  it('survives headers that relays add and headers outside the signed list', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE), keys);
    const relayed = Buffer.concat([
      Buffer.from('Received: from gateway by mx.example.net\r\nX-Spam-Score: 0.1\r\n'),
      signed,
    ]);
    expect(await statuses(relayed)).toEqual(BOTH_PASS);
  });

  it('signs a message with bare LF line ends so that it verifies', async () => {
    const signed = await signMessage(Buffer.from(MESSAGE.replace(/\r\n/g, '\n')), keys);
    expect(await statuses(signed)).toEqual(BOTH_PASS);
  });
});

describe('createSignPool', () => {
  it('signs in worker threads with the same result as inline, and closes cleanly', async () => {
    const pool = createSignPool({ size: 2, now: () => 1_795_000_000_000 });
    try {
      const raw = Buffer.from(MESSAGE);
      const signed = await Promise.all([1, 2, 3, 4, 5].map(() => pool.sign(raw, keys)));
      const inline = await signMessage(raw, keys, { signedAt: 1_795_000_000_000 });
      expect(signed.every((s) => s.equals(inline))).toBe(true);
      expect(await statuses(signed[0] ?? Buffer.alloc(0))).toEqual(BOTH_PASS);
      expect(raw.toString()).toBe(MESSAGE);
    } finally {
      await pool.close();
    }
    const afterClose = await pool.sign(Buffer.from(MESSAGE), keys).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGatewayError(afterClose, 'E_DKIM_POOL')).toBe(true);
  });

  it('passes signing errors back as GatewayErrors with DKIM codes and keeps working', async () => {
    const pool = createSignPool({ size: 1 });
    try {
      const bad = await pool.sign(Buffer.from(MESSAGE), [{ ...keys[0]!, privateKeyPem: 'nope' }]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isGatewayError(bad, 'E_DKIM_KEY')).toBe(true);
      expect(await statuses(await pool.sign(Buffer.from(MESSAGE), keys))).toEqual(BOTH_PASS);
    } finally {
      await pool.close();
    }
  });

  it('transfers the input instead of copying it when asked', async () => {
    const pool = createSignPool({ size: 1 });
    try {
      const body = `${MESSAGE}${'x'.repeat(76)}\r\n`.repeat(100);
      const raw = Buffer.alloc(Buffer.byteLength(body), body);
      expect(raw.byteOffset === 0 && raw.buffer.byteLength === raw.length).toBe(true);
      const signed = await pool.sign(raw, keys, { transfer: true });
      expect(raw.length).toBe(0);
      expect(signed.toString().endsWith(body)).toBe(true);
      expect(await statuses(signed)).toEqual(BOTH_PASS);
    } finally {
      await pool.close();
    }
  });

  it('finishes accepted work when closed while busy', async () => {
    const pool = createSignPool({ size: 1 });
    const pending = [1, 2, 3].map(() => pool.sign(Buffer.from(MESSAGE), keys));
    await pool.close();
    const results = await Promise.all(pending);
    expect(results).toHaveLength(3);
    expect(await statuses(results[2] ?? Buffer.alloc(0))).toEqual(BOTH_PASS);
  });
});

describe('the sign stage with the worker pool', () => {
  const at = 1_795_000_000_000;
  const delivery = (raw: Buffer, to: string): PlannedDelivery => ({
    route: { kind: 'smarthost', name: 'smarthost' },
    recipients: [to],
    envelope: { from: 'billing@invoices.test', to: [to] },
    raw,
  });

  it('moves a message that owns its memory to the worker instead of copying it; the bytes are the same', async () => {
    const pool = createSignPool({ size: 2, now: () => at });
    try {
      const text = `${MESSAGE}${`${'x'.repeat(76)}\r\n`.repeat(1300)}`;
      const big = Buffer.alloc(Buffer.byteLength(text), text);
      const small = Buffer.from(MESSAGE);
      const expectedBig = await signMessage(Buffer.from(text), keys, { signedAt: at });
      const expectedSmall = await signMessage(Buffer.from(MESSAGE), keys, { signedAt: at });
      const logger = pino({ level: 'silent' });
      const stage = createSignStage({ pool, logger, keys: { platformKeys: () => keys, tenantKeys: () => [] } });
      const out = await stage(
        [delivery(big, 'a@example.net'), delivery(big, 'b@example.net'), delivery(small, 'c@example.net')],
        { kind: 'platform' },
        'Q1',
      );
      expect(out[0]!.raw.equals(expectedBig)).toBe(true);
      expect(out[1]!.raw).toBe(out[0]!.raw);
      expect(out[2]!.raw.equals(expectedSmall)).toBe(true);
      // Moved: the event loop made no copy of the 100 KB. A pooled small buffer was copied, never detached.
      expect(big.length).toBe(0);
      expect(small.toString()).toBe(MESSAGE);
      expect(await statuses(out[0]!.raw)).toEqual(BOTH_PASS);
    } finally {
      await pool.close();
    }
  });
});
