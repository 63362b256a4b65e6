import { describe, expect, it, beforeAll } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { isDkimCode } from '../../src/mailauth/sign-protocol.js';
import { generateDkimKey, type DkimKey } from '../../src/mailauth/keys.js';
import type { ParsedHeader } from '../../src/mailauth/mailauth-internals.js';
import {
  hashMessage,
  hashWithParser,
  OVERSIGNED_HEADERS,
  SIGNED_HEADERS,
  signingHeaderLines,
  signMessage,
  type SigningKey,
} from '../../src/mailauth/signer.js';

const MESSAGE = [
  'Received: from client.example.com by gateway',
  'From: Invoices <invoices@example.com>',
  'To: customer@example.net',
  'Subject: Invoice 2026-0042',
  'Date: Mon, 02 Nov 2026 10:00:00 +0000',
  'Message-ID: <42@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'X-Mailer: Legacy Invoicer 5.1',
  '',
  'Dear customer,  please find\tyour invoice attached.',
  '',
  '',
].join('\r\n');

let rsa: DkimKey;
let ed: DkimKey;

beforeAll(async () => {
  [rsa, ed] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('ed25519')]);
});

function keyFor(key: DkimKey, selector: string): SigningKey {
  return { domain: 'example.com', selector, privateKeyPem: key.privateKeyPem, algorithm: key.algorithm };
}

function header(line: string): ParsedHeader {
  const casedKey = line.slice(0, line.indexOf(':'));
  return { key: casedKey.toLowerCase(), casedKey, line: Buffer.from(line) };
}

describe('signingHeaderLines', () => {
  it('takes listed fields bottom-up and lists oversigned names once more', () => {
    const parsed = ['From: a@x.test', 'X-Other: 1', 'Subject: s', 'To: b@y.test', 'From: second@x.test'].map(header);
    const { keys, headers } = signingHeaderLines(parsed, SIGNED_HEADERS, OVERSIGNED_HEADERS);
    expect(keys).toBe('From: To: Subject: From: From: Subject: Reply-To');
    expect(headers.map((h) => h.line.toString())).toEqual([
      'From: second@x.test',
      'To: b@y.test',
      'Subject: s',
      'From: a@x.test',
    ]);
  });
});

describe('signMessage', () => {
  it('prepends one signature per key and leaves the message byte-identical', async () => {
    const raw = Buffer.from(MESSAGE);
    const signed = await signMessage(raw, [keyFor(rsa, 'pb202611'), keyFor(ed, 'pb202611e')], {
      signedAt: 1_795_000_000_000,
    });
    expect(signed.subarray(signed.length - raw.length).equals(raw)).toBe(true);
    const added = signed.subarray(0, signed.length - raw.length).toString();
    const signatures = added.split(/\r\n(?=DKIM-Signature:)/);
    expect(signatures).toHaveLength(2);
    expect(added.endsWith('\r\n')).toBe(true);
    const unfolded = signatures.map((s) => s.replace(/\r\n\s+/g, ' '));
    expect(unfolded[0]).toMatch(/a=rsa-sha256; c=relaxed\/relaxed; d=example\.com;/);
    expect(unfolded[1]).toMatch(/a=ed25519-sha256; c=relaxed\/relaxed; d=example\.com;/);
    expect(unfolded[0]).toContain('s=pb202611;');
    expect(unfolded[0]).toContain('t=1795000000;');
    expect(unfolded[0]).toContain(
      'h=Content-Type: MIME-Version: Message-ID: Date: Subject: To: From: From: Subject: Reply-To;',
    );
  });

  it('is deterministic for a fixed signature time', async () => {
    const raw = Buffer.from(MESSAGE);
    const keys = [keyFor(rsa, 'pb202611'), keyFor(ed, 'pb202611e')];
    const a = await signMessage(raw, keys, { signedAt: 1_795_000_000_000 });
    const b = await signMessage(raw, keys, { signedAt: 1_795_000_000_000 });
    expect(a.equals(b)).toBe(true);
  });

  it('throws instead of returning an unsigned message', async () => {
    const raw = Buffer.from(MESSAGE);
    const attempts: [Promise<Buffer>, string][] = [
      [signMessage(raw, []), 'E_DKIM_SIGN'],
      [signMessage(raw, [{ ...keyFor(ed, 's'), algorithm: 'rsa' }]), 'E_DKIM_KEY'],
      [signMessage(raw, [{ ...keyFor(rsa, 's'), privateKeyPem: 'not a key' }]), 'E_DKIM_KEY'],
      [signMessage(Buffer.from('Subject: no from\r\n\r\nbody\r\n'), [keyFor(rsa, 's')]), 'E_DKIM_SIGN'],
    ];
    for (const [attempt, code] of attempts) {
      const err = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(isGatewayError(err) && isDkimCode(err.code), String(err)).toBe(true);
      expect((err as { code: string }).code).toBe(code);
    }
  });
});

describe('hashMessage', () => {
  it("gives the same headers and body hash on the CRLF fast path as through mailauth's parser", async () => {
    const raw = Buffer.from(MESSAGE + 'more  text \r\n\r\n');
    const fast = await hashMessage(raw);
    const parsed = await hashWithParser(raw);
    expect(fast.bodyHash).toBe(parsed.bodyHash);
    expect(fast.headers.parsed.map((h) => h.line.toString())).toEqual(
      parsed.headers.parsed.map((h) => h.line.toString()),
    );
  });

  it('hashes bare LF as the CRLF the SMTP client will send', async () => {
    const crlf = Buffer.from(MESSAGE);
    const lf = Buffer.from(MESSAGE.replace(/\r\n/g, '\n'));
    expect((await hashMessage(lf)).bodyHash).toBe((await hashMessage(crlf)).bodyHash);
    expect((await hashMessage(Buffer.from('From: a@x.test\r\n\r\nline\r\n'))).bodyHash).not.toBe(
      (await hashMessage(Buffer.from('From: a@x.test\r\n\r\nline 2\r\n'))).bodyHash,
    );
  });
});
