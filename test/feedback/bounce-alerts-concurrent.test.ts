import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import { openAlertStore, type AlertStore } from '../../src/feedback/bounce-alerts/alert-store.js';
import { createBounceAlerts, DAY_MS, type BounceAlerts } from '../../src/feedback/bounce-alerts/bounce-alerts.js';
import { storageAt } from '../helpers/temp-storage.js';

/**
 * Two processes (workers, or nodes on one database) hear bounces of one tenant at the same moment. Each
 * handles its own events one after another, but between them only the store keeps order: a state read by
 * one and written whole would drop what the other wrote meanwhile.
 */
const logger = pino({ level: 'silent' });
const TENANT = 't-acme';
const T = 1_700_000_000_000;

let dir: string;
let stores: AlertStore[];
let made: BounceAlerts[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-alerts-race-'));
  stores = [];
  made = [];
});

afterEach(async () => {
  for (const alerts of made) await alerts.stop();
  for (const store of stores) await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A process's alerts on the one environment both open; mails go to `queued`, to `office` when it answers one. */
async function processAlerts(queued: NewMessage[], office: () => string | undefined, at: () => number) {
  const store = await openAlertStore(storageAt(dir));
  stores.push(store);
  const alerts = createBounceAlerts({
    store,
    queue: {
      async enqueue(message) {
        queued.push(message);
        return { ...message, recipients: [] } as unknown as QueuedMessage;
      },
    },
    recipientOf: async () => office(),
    languageOf: () => 'en',
    documentOf: () => undefined,
    linkOf: (id) => `https://postbode.test/settings?message=${id}`,
    from: 'bounces@postbode.test',
    hostname: 'postbode.test',
    clock: at,
    logger,
    onQueued: () => undefined,
  });
  made.push(alerts);
  return { store, alerts };
}

function sent(i: number): QueuedMessage {
  return {
    id: `Q${String(i).padStart(3, '0')}`,
    tenantId: TENANT,
    kind: 'mail',
    envelope: { from: 'facturen@acme.test', to: [`klant${i}@example.test`] },
    receivedAt: T,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${i}@acme.test>`,
    recipients: [{ address: `klant${i}@example.test`, status: 'bounced', attempts: 1 }],
  } as unknown as QueuedMessage;
}

describe('bounce alerts heard by two processes at once', () => {
  it('daily mode: the digest lists every bounce of both, none lost to the other', async () => {
    const queued: NewMessage[] = [];
    let now = T;
    const a = await processAlerts(
      queued,
      () => 'office@acme.test',
      () => now,
    );
    const b = await processAlerts(
      queued,
      () => 'office@acme.test',
      () => now,
    );
    await a.store.settings.put(TENANT, { mode: 'daily', deferredAfterHours: null });
    for (let i = 0; i < 40; i++) (i % 2 === 0 ? a : b).alerts.lateBounce(sent(i), `klant${i}@example.test`, '550');
    await Promise.all([a.alerts.idle(), b.alerts.idle()]);
    expect(a.store.state.get(TENANT)?.pending).toHaveLength(40);

    now = T + DAY_MS + 1;
    expect(await a.alerts.runDigest()).toBe(1);
    expect(queued).toHaveLength(1);
    expect(a.store.state.get(TENANT)?.pending).toEqual([]);
  });

  it('immediate mode: the same event heard by both is mailed once', async () => {
    const queued: NewMessage[] = [];
    const a = await processAlerts(
      queued,
      () => 'office@acme.test',
      () => T,
    );
    const b = await processAlerts(
      queued,
      () => 'office@acme.test',
      () => T,
    );
    for (let i = 0; i < 10; i++) {
      a.alerts.lateBounce(sent(i), `klant${i}@example.test`, '550');
      b.alerts.lateBounce(sent(i), `klant${i}@example.test`, '550');
    }
    await Promise.all([a.alerts.idle(), b.alerts.idle()]);
    expect(queued).toHaveLength(10);
    expect(a.store.state.get(TENANT)?.marks).toHaveLength(10);
  });

  it('no confirmed address: nothing is marked, so the event alerts once an address is confirmed', async () => {
    const queued: NewMessage[] = [];
    let office: string | undefined;
    const a = await processAlerts(
      queued,
      () => office,
      () => T,
    );
    a.alerts.lateBounce(sent(1), 'klant1@example.test', '550');
    await a.alerts.idle();
    expect(queued).toEqual([]);
    expect(a.store.state.get(TENANT)?.marks ?? []).toEqual([]);
    office = 'office@acme.test';
    a.alerts.lateBounce(sent(1), 'klant1@example.test', '550');
    await a.alerts.idle();
    expect(queued.map((m) => m.envelope.to)).toEqual([['office@acme.test']]);
  });

  it('a digest that finds no confirmed address keeps its items and its day for the next round', async () => {
    const queued: NewMessage[] = [];
    let office: string | undefined;
    let now = T;
    const a = await processAlerts(
      queued,
      () => office,
      () => now,
    );
    await a.store.settings.put(TENANT, { mode: 'daily', deferredAfterHours: null });
    a.alerts.lateBounce(sent(1), 'klant1@example.test', '550');
    await a.alerts.idle();
    now = T + DAY_MS + 1;
    expect(await a.alerts.runDigest()).toBe(0);
    expect(a.store.state.get(TENANT)?.pending).toHaveLength(1);
    expect(a.store.state.get(TENANT)?.lastDigestAt).toBeUndefined();
    office = 'office@acme.test';
    expect(await a.alerts.runDigest()).toBe(1);
    expect(queued).toHaveLength(1);
  });
});
