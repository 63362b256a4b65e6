import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MicrosoftAccount, Route } from '../../../src/core/types.js';
import type { GraphApi } from '../../../src/transports/microsoft/graph-api.js';
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

function transport(sent: Buffer[], taken: number[] = []) {
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
    tokens,
    quota,
    maxRequestBytes: 4000,
    clock: () => 0,
    logger: pino({ level: 'silent' }),
  });
}

/** What the Graph transport decides before Graph is called: size after base64, recipients counted, From. */
describe('Graph transport', () => {
  it('bounces a message whose base64 body passes the request limit, without calling Graph', async () => {
    const sent: Buffer[] = [];
    const result = await transport(sent).send({ from: '', to: ['a@example.test'] }, message(3100), route);
    expect(result.recipients[0]).toMatchObject({ outcome: 'bounced', reply: { code: 552, enhanced: '5.3.4' } });
    expect(result.recipients[0]?.reply.text).toMatch(/Graph takes at most 4000 bytes per request/);
    expect(sent).toEqual([]);
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
