import { makeTenant } from '../../helpers/inbound-harness.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../src/core/types.js';
import type { SignStage } from '../../../src/mailauth/sign-stage.js';
import { deferral } from '../../../src/tenants/gmail/gmail-link.js';
import { brokenReply, type GmailPlanner } from '../../../src/tenants/gmail/gmail-planner.js';
import { chooseMode } from '../../../src/pipeline/shared.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import { platformRoutes } from '../../../src/pipeline/routing.js';
import { NO_VERIFIED_DOMAINS } from '../../../src/tenants/ownership/sender-domains.js';
import { DEFAULT_SENDER_SETTINGS, type SenderSettings } from '../../../src/tenants/sender-settings.js';
import { MemoryQueue } from '../../helpers/memory-queue.js';

const logger = pino({ level: 'silent' });
const body = Buffer.from(
  'From: noreply@software.test\r\nTo: a@x.test\r\nBcc: hidden@acme.test\r\nSubject: s\r\n\r\nbody\r\n',
);
const route: Route = {
  kind: 'gmail',
  key: 'T1:1',
  owner: 'T1',
  account: { address: 'owner@gmail.test', aliases: ['owner@gmail.test'], refreshToken: 'rt', dailyLimit: 5 },
};

function pipeline(settings: Partial<SenderSettings>, gmail: GmailPlanner | undefined, signed: string[]) {
  const sign: SignStage = async (planned) => {
    signed.push('signed');
    return [...planned];
  };
  return createPipeline({
    platform: { sendingDomain: 'send.test', bounceDomain: null, bounceLocalPart: 'bounces' },
    routes: platformRoutes('smarthost'),
    logger,
    domains: NO_VERIFIED_DOMAINS,
    verpKey: Buffer.alloc(32, 3),
    sign,
    tenants: {
      byId: async () => makeTenant({ id: 'T1', name: 'Acme', smtpUsername: 'acme', smtpPasswordHash: '' }),
      bySmtpUsername: async () => undefined,
      byAllowedIp: async () => undefined,
    },
    settings: { get: () => ({ ...DEFAULT_SENDER_SETTINGS, ...settings }) },
    openSecret: (sealed) => `opened:${sealed}`,
    ...(gmail ? { gmail } : {}),
  });
}

async function message(queue: MemoryQueue) {
  return queue.enqueue(
    {
      id: '01JD4T8X9M2C5V7B3N6K0QWERT',
      tenantId: 'T1',
      kind: 'mail',
      envelope: { from: 'noreply@software.test', to: ['a@x.test', 'archief@acme.test'] },
      receivedAt: 1_000,
      client: { address: '127.0.0.1', helo: 'h' },
      messageId: '<m@x>',
      roles: { 'archief@acme.test': 'archive' },
    },
    body,
  );
}

describe('pipeline in Gmail mode', () => {
  it('chooses gmail only when Gmail mode is configured', async () => {
    const settings = { ...DEFAULT_SENDER_SETTINGS, mode: 'gmail' as const };
    expect(await chooseMode(settings, 'T1', NO_VERIFIED_DOMAINS, true)).toEqual({ mode: 'gmail' });
    expect(await chooseMode(settings, 'T1', NO_VERIFIED_DOMAINS)).toMatchObject({
      mode: 'forwarding',
      note: expect.stringMatching(/not available/),
    });
  });

  it('plans one Gmail delivery for every recipient, From from the planner, no Bcc, no DKIM by us', async () => {
    const asked: unknown[] = [];
    const planner: GmailPlanner = async (...args) => {
      asked.push(args);
      return { route, from: 'owner@gmail.test' };
    };
    const signed: string[] = [];
    const queue = new MemoryQueue();
    const msg = await message(queue);
    const planned = await pipeline({ mode: 'gmail', displayName: 'Acme BV' }, planner, signed)(
      msg,
      body,
      msg.recipients,
    );
    expect(asked).toEqual([['T1', undefined, 'noreply@software.test']]);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({
      route,
      recipients: ['a@x.test', 'archief@acme.test'],
      envelope: { from: 'owner@gmail.test', to: ['a@x.test', 'archief@acme.test'] },
    });
    const raw = planned[0]!.raw.toString();
    expect(raw).toContain('From: "Acme BV" <owner@gmail.test>\r\n');
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(signed).toEqual([]);
  });

  it('a planner deferral (no link, broken link) reaches the attempt as a thrown 451', async () => {
    const queue = new MemoryQueue();
    const msg = await message(queue);
    const plan = pipeline({ mode: 'gmail' }, async () => {
      throw deferral(brokenReply('x'));
    }, []);
    await expect(plan(msg, body, msg.recipients)).rejects.toMatchObject({
      code: 'E_DEFERRED',
      reply: { code: 451, enhanced: '4.7.0', text: 'Gmail link broken: re-link needed (x)' },
    });
  });
});
