import { makeTenant } from '../helpers/inbound-harness.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage, Tenant } from '../../src/core/types.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { settingsFingerprint } from '../../src/pipeline/rendered-deliveries.js';
import { platformRoutes } from '../../src/pipeline/routing.js';
import type { PipelineDeps } from '../../src/pipeline/shared.js';
import { NO_VERIFIED_DOMAINS } from '../../src/tenants/ownership/sender-domains.js';
import { DEFAULT_SENDER_SETTINGS, type SenderSettings } from '../../src/tenants/sender-settings.js';

/**
 * A first attempt reads the tenant once: the fingerprint its deliveries carry (render once) is
 * taken from the first stage's reads, and equals what a retry computes to compare with.
 */
const tenant: Tenant = makeTenant({ id: 'T1', name: 'Acme', smtpUsername: 'acme', smtpPasswordHash: '' });
const message: QueuedMessage = {
  id: '01JD4T8X9M2C5V7B3N6K0QWERT',
  tenantId: 'T1',
  kind: 'mail',
  envelope: { from: 'billing@acme.test', to: ['a@x.test'] },
  recipients: [{ address: 'a@x.test', status: 'queued', attempts: 0, nextAttemptAt: 0, history: [] }],
  receivedAt: 0,
  size: 1,
  client: { address: '127.0.0.1', helo: 'h' },
  messageId: '<m@x>',
};
const body = Buffer.from('From: billing@acme.test\r\nTo: a@x.test\r\nSubject: s\r\n\r\nbody\r\n');

function deps(settings: Partial<SenderSettings>, reads: { tenant: number }): PipelineDeps {
  return {
    platform: { sendingDomain: 'send.test', bounceDomain: null, bounceLocalPart: 'bounces' },
    routes: platformRoutes('smarthost'),
    logger: pino({ level: 'silent' }),
    // Another tenant's domain: the own address is dropped before the mode is chosen.
    domains: { ...NO_VERIFIED_DOMAINS, ownerOf: () => 'T2' },
    verpKey: Buffer.alloc(32, 3),
    tenants: {
      byId: async () => {
        reads.tenant++;
        return tenant;
      },
      bySmtpUsername: async () => undefined,
      byAllowedIp: async () => undefined,
    },
    settings: { get: () => ({ ...DEFAULT_SENDER_SETTINGS, ...settings }) },
    openSecret: () => '',
  };
}

describe('render once: the first attempt fingerprint', () => {
  it.each([
    ['forwarding', {}],
    ['an own address on a domain the tenant does not own', { mode: 'own-address', ownAddress: 'a@other.test' }],
  ] as const)('is read once and equals the retry fingerprint: %s', async (_what, settings) => {
    const reads = { tenant: 0 };
    const d = deps(settings, reads);
    const plan = createPipeline(d, { rendered: { rendered: () => undefined } });
    const planned = await plan(message, body, message.recipients);
    expect(reads.tenant).toBe(1);
    expect(planned.length).toBeGreaterThan(0);
    const retry = await settingsFingerprint(d, message);
    expect(planned.map((p) => p.renderedWith)).toEqual(planned.map(() => retry));
  });

  it('marks nothing without a rendered store (every attempt renders)', async () => {
    const plan = createPipeline(deps({}, { tenant: 0 }));
    const planned = await plan(message, body, message.recipients);
    expect(planned.map((p) => p.renderedWith)).toEqual(planned.map(() => undefined));
  });
});
