/**
 * What leaves is standards-exact and its DKIM signature survives the way, checked by a second,
 * independent verifier (python3-dkim) over the bytes the next hop got. The hop here offers
 * neither 8BITMIME nor SMTPUTF8, like the old relays that convert or fold what they get.
 * The four messages go through one gateway at once; python3-dkim starts once for all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsPlatform } from '../../../src/admin/cli/dns-commands.js';
import { generateDkimKey } from '../../../src/mailauth/keys.js';
import { signMessage } from '../../../src/mailauth/signer.js';
import { parseMail } from '../../../src/mime/parse-mail.js';
import { statusesOf, verifyDkimPyEach } from '../../helpers/dkim-verify-py.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { readFile } from 'node:fs/promises';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  madeTenantClient,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const lines = (raw: Buffer): string[] => raw.toString('latin1').split('\r\n');

function message(head: string, body: Buffer | string): Buffer {
  const headers =
    'From: Facturen <facturen@acme.test>\r\nTo: klant@example.net\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n' +
    `Message-ID: <${Math.random().toString(36).slice(2)}@acme.test>\r\nMIME-Version: 1.0\r\n${head}\r\n`;
  return Buffer.concat([latin1(headers), typeof body === 'string' ? latin1(body) : body]);
}

const LONG = `${'Omschrijving regel '.repeat(80)}einde`;
const LEGACY = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);
/** A second tenant renders content: its greeting reads the client's name from the Latin-1 To. */
const CONTENT = {
  enabled: true,
  companyName: 'Bakkerij Jansen',
  subjects: { invoice: { nl: '%Document-type% %document-number% van %company-name%' } },
  texts: { Facturen: { nl: 'Beste %client-name%,\n\nIn bijlage vindt u factuur %document-number%.' } },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
};

async function inputs(): Promise<Record<'latin1Headers' | 'longLine' | 'eightBit' | 'packageSigned', Buffer>> {
  const key = await generateDkimKey('rsa');
  const unsigned = message('Subject: Getekend\r\nContent-Type: text/plain\r\n', 'Zie bijlage.\r\n');
  // A package signature of another tenant's domain, over a From in that domain.
  const foreign = Buffer.from(
    unsigned.toString('latin1').replace('facturen@acme.test>', 'facturen@tweede.test>'),
    'latin1',
  );
  return {
    latin1Headers: message(
      'Subject: Factuur für Café Ærø\r\nCc: "Jörg Müller" <boekhouding@example.net>\r\n' +
        'Content-Type: text/plain; charset=iso-8859-1\r\n',
      'Beste klant,\r\n',
    ),
    longLine: message('Subject: Lange regel\r\nContent-Type: text/plain; charset=us-ascii\r\n', `${LONG}\r\n`),
    eightBit: message(
      'Subject: Acht bits\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n',
      latin1('Bedrag: \x805,00 voor caf\xe9\r\n'),
    ),
    packageSigned: await signMessage(foreign, [
      { domain: 'tweede.test', selector: 'pkg', privateKeyPem: key.privateKeyPem, algorithm: 'rsa' },
    ]),
  };
}

let sink: Sink;
let gw: TestGateway;
const got: Record<string, Buffer> = {};
const python: Record<string, string[]> = {};

beforeAll(async () => {
  sink = await startSink({ recordCommands: true, server: { hide8BITMIME: true, hideSMTPUTF8: true } });
  gw = await startSenderGateway(sink.port);
  const records = await dnsPlatform(gw.config, { POSTBODE_SECRET_KEY: 'ab'.repeat(32) });
  const txt = /DKIM {3}(\S+) {2}TXT\n {7}(.+)/.exec(records);
  const published = { [txt?.[1] ?? '']: [...(txt?.[2] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('') };
  const made = await api(gw, 'POST', '/tenants', { name: 'Bakkerij Jansen' });
  const tenant = (made.body.tenant as { id: string }).id;
  expect((await api(gw, 'PUT', `/tenants/${tenant}/content`, CONTENT)).status).toBe(200);
  const legacy = (await readFile(LEGACY)).toString('latin1').replace('"Piet Pieters"', '"Jörg Müller"');
  const sent: Array<[string, Buffer, ReturnType<typeof legacyClient>]> = [
    ...Object.entries(await inputs()).map(([name, raw]): [string, Buffer, ReturnType<typeof legacyClient>] => [
      name,
      raw,
      legacyClient(gw),
    ]),
    ['rendered', Buffer.from(legacy, 'latin1'), madeTenantClient(gw, made)],
  ];
  const relayed = await Promise.all(sent.map(([, raw, client]) => relay(client, raw)));
  const verified = await verifyDkimPyEach(relayed, published);
  sent.forEach(([name], i) => {
    got[name] = relayed[i]!;
    python[name] = statusesOf(verified[i] ?? []);
  });
});

afterAll(async () => {
  await gw?.stop();
  await sink?.close();
});

async function relay(client: ReturnType<typeof legacyClient>, raw: Buffer): Promise<Buffer> {
  const info = await client.sendMail({ envelope: { from: 'facturen@acme.test', to: ['klant@example.net'] }, raw });
  client.close();
  const [message] = await arrived(sink, queueIdOf(info.response));
  return message!.raw;
}

const ONE_PASS = [expect.stringMatching(/ pass$/)];

describe('the message on the wire', () => {
  it('re-encodes raw Latin-1 header text as RFC 2047 words: the subject and name arrive without U+FFFD', async () => {
    const raw = got.latin1Headers!;
    expect(raw.toString('latin1', 0, raw.indexOf('\r\n\r\n'))).toMatch(/^[\x00-\x7f]*$/);
    const parsed = await parseMail(raw);
    expect(parsed.subject).toBe('Factuur für Café Ærø');
    expect(parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value[0]?.name : undefined).toBe('Jörg Müller');
    expect(python.latin1Headers).toEqual(ONE_PASS);
  });

  it('greets with the Latin-1 name of the To when content is rendered: no U+FFFD in the greeting', async () => {
    const parsed = await parseMail(got.rendered!);
    expect(parsed.text).toContain('Beste Jörg Müller,');
    expect(python.rendered).toEqual(ONE_PASS);
  });

  it('re-encodes a body line over 998 octets before signing, so a folding hop cannot break the signature', async () => {
    const raw = got.longLine!;
    expect(Math.max(...lines(raw).map((l) => l.length))).toBeLessThanOrEqual(998);
    expect(headerOf(raw, 'Content-Transfer-Encoding')).toEqual(['quoted-printable']);
    expect((await parseMail(raw)).text?.trim()).toBe(LONG);
    expect(python.longLine).toEqual(ONE_PASS);
  });

  it('sends an 8-bit body 7-bit when signed: a hop without 8BITMIME gets quoted-printable that verifies', async () => {
    const raw = got.eightBit!;
    expect(raw.every((b) => b < 0x80)).toBe(true);
    expect((await parseMail(raw)).text).toBe('Bedrag: €5,00 voor café\n');
    expect(sink.commands.filter((c) => c.startsWith('MAIL FROM')).some((c) => c.includes('BODY='))).toBe(false);
    expect(python.eightBit).toEqual(ONE_PASS);
  });

  it("drops a package's DKIM-Signature (another tenant's domain) once the From is rewritten: ours passes", () => {
    const signatures = headerOf(got.packageSigned!, 'DKIM-Signature');
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toContain('d=send.postbode.test');
    expect(python.packageSigned).toEqual(ONE_PASS);
  });
});
