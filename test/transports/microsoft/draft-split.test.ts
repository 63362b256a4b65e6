import { describe, expect, it } from 'vitest';
import { splitForDraft } from '../../../src/transports/microsoft/draft-split.js';

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
const png = Buffer.alloc(3000, 7);
const pdf = Buffer.alloc(6000, 9);
const small = Buffer.alloc(300, 5);

/** A newsletter-like invoice: text + HTML with an inline logo, a PDF and a small terms file. */
const message = Buffer.from(
  'From: <owner@contoso.test>\r\nTo: <a@example.test>\r\nSubject: Factuur\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="m"\r\n\r\n' +
    '--m\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n' +
    '--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Zie bijlage <img src="cid:logo@acme"></p>\r\n' +
    '--r\r\nContent-Type: image/png\r\nContent-ID: <logo@acme>\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
    `${b64(png)}\r\n--r--\r\n` +
    '--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="F-1.pdf"\r\n' +
    `Content-Transfer-Encoding: base64\r\n\r\n${b64(pdf)}\r\n` +
    `--m\r\nContent-Type: text/plain; name="voorwaarden.txt"\r\nContent-Disposition: attachment\r\n\r\n${small}\r\n` +
    '--m--\r\n',
);

/** Which parts leave the MIME for an upload: the largest, only as many as needed, never the text. */
describe('splitting a message for the draft path', () => {
  it('takes out only the largest attachment when the rest then fits', async () => {
    const split = await splitForDraft(message, 9000);
    if (split.kind !== 'split') throw new Error(split.reason);
    expect(split.attachments.map((a) => [a.name, a.contentType, a.contentId])).toEqual([
      ['F-1.pdf', 'application/pdf', undefined],
    ]);
    expect(split.attachments[0]?.bytes.equals(pdf)).toBe(true);
    const rest = split.mime.toString('latin1');
    expect(rest).toContain('Content-ID: <logo@acme>');
    expect(rest).toContain('voorwaarden.txt');
    // The removed part leaves no empty delimiter behind: the next part follows the previous one.
    expect(rest).toContain('--r--\r\n--m\r\nContent-Type: text/plain; name="voorwaarden.txt"');
  });

  it('takes out an inline image too when needed, keeping its Content-ID for cid: references', async () => {
    const split = await splitForDraft(message, 1500);
    if (split.kind !== 'split') throw new Error(split.reason);
    expect(split.attachments.map((a) => a.contentId)).toEqual([undefined, 'logo@acme']);
    expect(split.attachments[1]?.bytes.equals(png)).toBe(true);
    expect(split.mime.toString('latin1')).toContain('<img src="cid:logo@acme">');
    expect(split.mime.toString('latin1')).not.toContain('Content-ID');
  });

  it('refuses an attachment above the per-attachment limit, and a text that alone does not fit', async () => {
    const big = await splitForDraft(message, 9000, 5000);
    expect(big).toEqual({ kind: 'refused', reason: 'attachment F-1.pdf is 6000 bytes, Graph takes at most 5000' });
    const text = Buffer.from(`From: <a@b.test>\r\nSubject: x\r\n\r\n${'y'.repeat(5000)}\r\n`);
    expect(await splitForDraft(text, 4000)).toMatchObject({ kind: 'refused', reason: /still \d+ bytes encoded/ });
  });
});
