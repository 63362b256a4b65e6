import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MicrosoftAccount, Route } from '../../../src/core/types.js';
import type { GraphApi } from '../../../src/transports/microsoft/graph-api.js';
import type { DraftAttachment, GraphDrafts } from '../../../src/transports/microsoft/graph-drafts.js';
import { createGraphTransport, type RecipientQuota } from '../../../src/transports/microsoft/graph-transport.js';
import type { TokenSource } from '../../../src/transports/microsoft/token-source.js';

const account: MicrosoftAccount = {
  address: 'owner@contoso.test',
  userId: 'u-1',
  sendAs: ['owner@contoso.test'],
  refreshToken: 'rt',
  dailyRecipientLimit: 10,
};
const route: Route = { kind: 'microsoft365', key: 'T1:1', owner: 'T1', account };
const message = (bytes: number) =>
  Buffer.from(`From: <owner@contoso.test>\r\nTo: <a@example.test>\r\nSubject: x\r\n\r\n${'y'.repeat(bytes)}\r\n`);

/** A multipart message with one base64 PDF of `bytes` bytes. */
const withPdf = (pdf: Buffer) =>
  Buffer.from(
    'From: <owner@contoso.test>\r\nTo: <a@example.test>\r\nSubject: x\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n' +
      '--b\r\nContent-Type: application/pdf; name="f.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      `${pdf.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--b--\r\n`,
  );

function recordingDrafts(log: string[], files: DraftAttachment[], drafted: Buffer[]): GraphDrafts {
  return {
    create: async (_t, user, mime) => {
      drafted.push(mime);
      log.push(`create ${user}`);
      return 'd-1';
    },
    attach: async (_t, _u, id, file) => {
      files.push(file);
      log.push(`attach ${id} ${file.name}`);
    },
    send: async (_t, _u, id) => void log.push(`send ${id}`),
    remove: async (_t, _u, id) => void log.push(`remove ${id}`),
  };
}

function transport(sent: Buffer[], taken: number[] = [], drafts = recordingDrafts([], [], [])) {
  const graph = { urls: [], mailbox: async () => ({ id: 'u-1', address: '', sendAs: [] }) } as unknown as GraphApi;
  graph.sendMime = async (_token, _user, raw) => {
    sent.push(raw);
  };
  const tokens: TokenSource = { accessToken: async () => 'at', forget: () => {} };
  const quota: RecipientQuota = {
    take: (_k, count) => {
      taken.push(count);
      return { ok: true };
    },
    giveBack: () => {},
  };
  return createGraphTransport({
    graph,
    drafts,
    tokens,
    quota,
    maxRequestBytes: 4000,
    clock: () => 0,
    logger: pino({ level: 'silent' }),
  });
}

/** What the Graph transport decides before Graph is called: size after base64, recipients counted, From. */
describe('Graph transport', () => {
  it('sends a message above the request limit as a draft with its attachment uploaded, not by sendMail', async () => {
    const sent: Buffer[] = [];
    const log: string[] = [];
    const files: DraftAttachment[] = [];
    const drafted: Buffer[] = [];
    const pdf = Buffer.from('%PDF-1.4 '.repeat(500));
    const result = await transport(sent, [], recordingDrafts(log, files, drafted)).send(
      { from: '', to: ['a@example.test'] },
      withPdf(pdf),
      route,
    );
    expect(result.recipients[0]?.outcome).toBe('delivered');
    expect(sent).toEqual([]);
    expect(log).toEqual(['create u-1', 'attach d-1 f.pdf', 'send d-1']);
    expect(files[0]?.bytes.equals(pdf)).toBe(true);
    expect(files[0]?.contentType).toBe('application/pdf');
    expect(drafted[0]?.toString()).toContain('--b\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n--b--\r\n');
  });

  it('deletes the draft when an upload fails, and defers', async () => {
    const log: string[] = [];
    const drafts = recordingDrafts(log, [], []);
    drafts.attach = async () => {
      throw Object.assign(new Error('socket hang up'), { cause: { code: 'ECONNRESET' } });
    };
    const result = await transport([], [], drafts).send(
      { from: '', to: ['a@example.test'] },
      withPdf(Buffer.alloc(5000, 1)),
      route,
    );
    expect(result.recipients[0]).toMatchObject({ outcome: 'deferred', reply: { code: 451, enhanced: '4.4.1' } });
    expect(log).toEqual(['create u-1', 'remove d-1']);
  });

  it('bounces a message above the limit with no attachment to take out, without calling Graph', async () => {
    const sent: Buffer[] = [];
    const log: string[] = [];
    const result = await transport(sent, [], recordingDrafts(log, [], [])).send(
      { from: '', to: ['a@example.test'] },
      message(3100),
      route,
    );
    expect(result.recipients[0]).toMatchObject({ outcome: 'bounced', reply: { code: 552, enhanced: '5.3.4' } });
    expect(result.recipients[0]?.reply.text).toMatch(/Graph takes at most 4000/);
    expect(sent).toEqual([]);
    expect(log).toEqual([]);
  });

  it('sends one just under the limit as it is, counting every envelope recipient', async () => {
    const sent: Buffer[] = [];
    const taken: number[] = [];
    const raw = message(2800);
    const result = await transport(sent, taken).send({ from: '', to: ['a@example.test'] }, raw, route);
    expect(result.recipients[0]?.outcome).toBe('delivered');
    expect(sent[0]?.equals(raw)).toBe(true);
    expect(taken).toEqual([1]);
  });

  it('defers a From the mailbox may not send as, saying which addresses it may', async () => {
    const sent: Buffer[] = [];
    const raw = Buffer.from('From: <info@elders.test>\r\nTo: <a@example.test>\r\n\r\nx\r\n');
    const result = await transport(sent).send({ from: '', to: ['a@example.test'] }, raw, route);
    expect(result.recipients[0]).toMatchObject({ outcome: 'deferred', reply: { code: 451 } });
    expect(sent).toEqual([]);
  });
});
