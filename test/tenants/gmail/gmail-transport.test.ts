import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../src/core/types.js';
import { createGmailTransport, type GmailQuota } from '../../../src/transports/gmail/gmail-transport.js';
import type { GoogleApi, OAuthClient } from '../../../src/transports/gmail/google-api.js';
import { replyOf, replyMatching } from '../../helpers/smtp-replies.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const logger = pino({ level: 'silent' });
const raw = Buffer.from('From: Acme <owner@gmail.test>\r\nTo: klant@example.test\r\nSubject: s\r\n\r\nbody\r\n');
const route: Route = {
  kind: 'gmail',
  key: 'T1:1',
  owner: 'T1',
  account: { address: 'owner@gmail.test', aliases: ['owner@gmail.test'], refreshToken: 'rt', dailyLimit: 10 },
};
const envelope = { from: 'owner@gmail.test', to: ['klant@example.test'] };
const status = (code: number, data: unknown = {}) =>
  Object.assign(new Error(`status ${code}`), { response: { status: code, headers: {}, data } });

/** A GoogleApi whose send answers from a script (an Error is thrown), recording what it was given. */
function scripted(answers: Array<string | Error>) {
  const calls: Array<{ raw: Buffer; upload: boolean }> = [];
  const credentials: unknown[] = [];
  const client = {
    setCredentials: (c: unknown) => {
      credentials.push(c);
    },
  } as unknown as OAuthClient;
  const api: GoogleApi = {
    urls: [],
    client: () => client,
    consentUrl: () => '',
    exchangeCode: async () => {
      throw new Error('unused');
    },
    accessToken: async () => {
      throw new Error('unused');
    },
    revoke: async () => undefined,
    address: async () => '',
    sendAs: async () => [],
    send: async (_c, r, upload) => {
      calls.push({ raw: r, upload });
      const next = answers.shift() ?? 'id-default';
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { api, calls, credentials };
}

function memoryQuota(): GmailQuota & { used: number } {
  const q = {
    used: 0,
    take: (_k: string, limit: number) => {
      if (q.used >= limit) return { ok: false as const, resetAt: NOW + 1 };
      q.used++;
      return { ok: true as const };
    },
    giveBack: () => {
      q.used--;
    },
  };
  return q;
}

function transport(
  answers: Array<string | Error>,
  over: { maxMessageBytes?: number; onLinkBroken?: (o: string, r: string) => void } = {},
) {
  const s = scripted(answers);
  const quota = memoryQuota();
  const t = createGmailTransport({
    api: s.api,
    quota,
    uploadThresholdBytes: 1000,
    maxMessageBytes: over.maxMessageBytes ?? 10_000,
    clock: () => NOW,
    logger,
    ...(over.onLinkBroken ? { onLinkBroken: over.onLinkBroken } : {}),
  });
  return { t, quota, ...s };
}

describe('Gmail transport', () => {
  it("delivers with Gmail's id and counts one send", async () => {
    const { t, quota, calls } = transport(['abc']);
    const result = await t.send(envelope, raw, route);
    expect(result.recipients).toEqual([
      {
        address: 'klant@example.test',
        outcome: 'delivered',
        reply: replyOf('250 2.0.0 Gmail accepted as abc'),
        nextHop: 'gmail-api',
      },
    ]);
    expect(quota.used).toBe(1);
    expect(calls[0]?.upload).toBe(false);
  });

  it('on 401 drops the access token and tries exactly once more', async () => {
    const ok = transport([status(401), 'id2']);
    expect((await ok.t.send(envelope, raw, route)).recipients[0]?.outcome).toBe('delivered');
    expect(ok.calls).toHaveLength(2);
    expect(ok.credentials).toEqual([{ refresh_token: 'rt' }]);
    const twice = transport([status(401), status(401), 'never']);
    const result = await twice.t.send(envelope, raw, route);
    expect(result.recipients[0]).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/^451 4\.7\.0 Gmail refused the access token \(401\)/),
    });
    expect(twice.calls).toHaveLength(2);
    expect(twice.quota.used).toBe(0); // given back: nothing was sent
  });

  it('invalid_grant: defers, tells the owner, gives the send back', async () => {
    const broken: string[] = [];
    const { t, quota } = transport(
      [status(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })],
      { onLinkBroken: (owner) => broken.push(owner) },
    );
    const result = await t.send(envelope, raw, route);
    expect(result.recipients[0]).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/^451 4\.7\.0 Gmail link broken: re-link needed/),
    });
    expect(broken).toEqual(['T1']);
    expect(quota.used).toBe(0);
  });

  it('sets notBefore from Retry-After', async () => {
    const limited = Object.assign(new Error('429'), {
      response: { status: 429, headers: { 'retry-after': '60' }, data: {} },
    });
    const { t } = transport([limited]);
    expect((await t.send(envelope, raw, route)).recipients[0]).toMatchObject({
      outcome: 'deferred',
      notBefore: NOW + 60_000,
    });
  });

  it('checks the From, the size and the daily limit before asking Google', async () => {
    const notAlias = transport(['x']);
    const other = Buffer.from(raw.toString('latin1').replace('owner@gmail.test', 'billing@acme.test'));
    expect(replyLine((await notAlias.t.send(envelope, other, route)).recipients[0]!.reply)).toMatch(
      /^451 4\.7\.0 From billing@acme\.test is not a send-as alias/,
    );
    const big = transport(['x'], { maxMessageBytes: 50 });
    expect((await big.t.send(envelope, raw, route)).recipients[0]).toMatchObject({
      outcome: 'bounced',
      reply: replyMatching(/^552 5\.3\.4 /),
    });
    const full = transport(['x']);
    full.quota.used = 10;
    expect((await full.t.send(envelope, raw, route)).recipients[0]).toMatchObject({
      outcome: 'deferred',
      notBefore: NOW + 1,
      reply: replyOf(`451 4.7.0 Gmail daily limit of 10 reached, deferred until ${new Date(NOW + 1).toISOString()}`),
    });
    expect([...notAlias.calls, ...big.calls, ...full.calls]).toHaveLength(0);
  });

  it('uses the upload endpoint above the threshold and refuses other routes', async () => {
    const { t, calls } = transport(['x']);
    await t.send(envelope, Buffer.concat([raw, Buffer.alloc(2000, 0x61)]), route);
    expect(calls[0]?.upload).toBe(true);
    const wrong = await t.send(envelope, raw, { kind: 'capture' });
    expect(replyLine(wrong.recipients[0]!.reply)).toMatch(/^451 4\.3\.5 gmail transport cannot take a capture route/);
  });
});
