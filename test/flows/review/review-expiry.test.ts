import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/gateway.js';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, PLATFORM, legacyClient, queueIdOf } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';

/**
 * A hold nobody handles ends by the tenant's expiry rule (released or cancelled, and the history
 * says so). The gateway's clock is moved forward instead of waiting hours; the sweep runs every
 * 100 ms. (Held across kill -9 and a restart: review-kill-restart.test.ts.)
 */
type Json = Record<string, any>;
const env = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) };

describe('review expiry and restart', () => {
  let sink: Sink;
  let gw: TestGateway;
  let gateway: Gateway;
  let offset = 0;
  const clock = (): number => Date.now() + offset;

  beforeAll(async () => {
    sink = await startSink();
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-review-'));
    const config = testConfig(dataDir, sink.port, {
      platform: PLATFORM,
      // Held mail must not meet the queue's own age limit when the clock jumps.
      queue: {
        reviewSweepMs: 100,
        retry: { initialDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 30 * 24 * 3600_000, jitter: 0 },
      },
    });
    gw = await startConfiguredGateway(config, { env, clock });
    gateway = gw.gateway;
  });
  afterAll(async () => {
    await gateway?.stop(2000);
    await rm(gw.dataDir, { recursive: true, force: true });
    await sink?.close();
  });

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
  };
  const send = async (subject: string): Promise<string> => {
    const client = legacyClient({ ...gw, gateway });
    const info = await client.sendMail({
      envelope: { from: 'facturen@jansen.example', to: ['jan@klant.example'] },
      from: 'facturen@jansen.example',
      to: 'jan@klant.example',
      subject,
      text: 'Beste klant, uw factuur.',
      headers: { 'X-Postbode-Hold': 'yes' },
    });
    return queueIdOf(info.response);
  };
  const message = async (id: string): Promise<Json> => (await api('GET', `/messages/${id}`)).body.message as Json;
  const messageWhen = (id: string, test: (m: Json) => boolean, what: string): Promise<Json> =>
    waitFor(
      async () => {
        const m = await message(id);
        return test(m) ? m : undefined;
      },
      8_000,
      what,
      50,
    );
  const forId = (id: string) => sink.messages.filter((m) => m.raw.includes(`id ${id}`));
  const rules = (action: 'release' | 'cancel') => ({
    documentTypes: [],
    afterSettingsChange: 0,
    header: true,
    expiry: { afterHours: 24, action },
  });

  it('expiry, release: after the configured hours the hold ends and the message is sent, and says so', async () => {
    expect((await api('PUT', `/tenants/${gw.tenantId}/review-rules`, rules('release'))).status).toBe(200);
    const id = await send('Factuur 2024-202');
    await messageWhen(id, (m) => m.recipients[0].status === 'held', 'held');
    await expectNothingFor(300, () => forId(id).length === 0, 'no expiry before its time');
    offset += 25 * 3600_000;
    const done = await messageWhen(id, (m) => m.recipients[0].status === 'delivered', 'expired and delivered');
    expect(done.review.ended).toMatchObject({ outcome: 'released', by: 'expiry' });
    expect(done.recipients[0].history.map((h: Json) => h.reply)).toContain('hold expired after 24 h: released');
    expect(forId(id)).toHaveLength(1);
  });

  it('expiry, cancel: the hold ends, nothing is sent, and the history says so', async () => {
    expect((await api('PUT', `/tenants/${gw.tenantId}/review-rules`, rules('cancel'))).status).toBe(200);
    const id = await send('Factuur 2024-203');
    await messageWhen(id, (m) => m.recipients[0].status === 'held', 'held');
    offset += 25 * 3600_000;
    const done = await messageWhen(id, (m) => m.recipients[0].status === 'cancelled', 'expired and cancelled');
    expect(done.review.ended).toMatchObject({ outcome: 'cancelled', by: 'expiry' });
    expect(done.recipients[0].lastReply).toBe('hold expired after 24 h: cancelled');
    await expectNothingFor(300, () => forId(id).length === 0, 'nothing sent for a cancelled hold');
  });
});
