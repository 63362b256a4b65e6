import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDomainStore, type DomainStore } from '../../src/tenants/domains/domain-store.js';
import { PLATFORM_OWNER, type DomainRecord } from '../../src/tenants/domains/domain-types.js';
import { openGmailStore, type GmailStore } from '../../src/tenants/gmail/gmail-store.js';
import { openMxStores, type MxStores } from '../../src/feedback/mx-stores.js';
import { createSuppressionStore, type SuppressionStore } from '../../src/feedback/suppression-store.js';
import {
  openContentSettingsStore,
  type ContentSettingsStore,
} from '../../src/pipeline/content/content-settings-store.js';
import { openSenderSettingsStore, type SenderSettingsStore } from '../../src/tenants/sender-settings-store.js';
import { purgeDeletedTenants, type TenantDataOwner } from '../../src/tenants/tenant-purge.js';
import { startTenantPurge, tenantDataOwners } from '../../src/tenants/tenant-purge-runner.js';
import { expectNothingFor, waitFor } from '../helpers/wait-for.js';
import { storageAt } from '../helpers/temp-storage.js';

/** Deleted tenants' data (src/tenants/tenant-purge.ts) on real LMDB: each store forgets one tenant only. */
const A = '01JD4T8X9M2C5V7B3N6K0AAAAA';
const B = '01JD4T8X9M2C5V7B3N6K0BBBBB';
const logger = pino({ level: 'silent' });

const domain = (name: string, tenantId: string): DomainRecord => ({
  domain: name,
  tenantId,
  keySet: 'rsa',
  status: 'pending',
  createdAt: 1,
  selectors: [
    {
      selector: 's1',
      algorithm: 'rsa',
      publicKeyDnsValue: 'v=DKIM1; p=x',
      privateKeySealed: 'sealed',
      createdAt: 1,
      state: 'pending',
    },
  ],
});

let dir: string;
let sender: SenderSettingsStore;
let content: ContentSettingsStore;
let domains: DomainStore;
let gmail: GmailStore;
let mx: MxStores;
let suppressions: SuppressionStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-purge-'));
  sender = openSenderSettingsStore(storageAt(dir));
  content = await openContentSettingsStore(storageAt(dir));
  domains = openDomainStore(storageAt(dir));
  gmail = openGmailStore(storageAt(dir));
  mx = openMxStores(storageAt(dir));
  suppressions = createSuppressionStore(mx);
});
afterAll(async () => {
  await Promise.all([sender.close(), content.close(), domains.close(), gmail.close(), mx.root.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('per-store tenantIds / forget', () => {
  it('sender and content settings: lists both tenants, removes one', async () => {
    for (const id of [A, B]) {
      await sender.update(id, (s) => ({ ...s, mode: 'own-address', ownAddress: `x@${id}.test` }));
      await content.put(id, { enabled: true, settings: {} as never, updatedAt: 1 });
    }
    const [s, c] = tenantDataOwners({ sender, content, domains: stub('domains'), gmail: stub('gmail') });
    expect(new Set(await s?.tenantIds())).toEqual(new Set([A, B]));
    expect(new Set(await c?.tenantIds())).toEqual(new Set([A, B]));
    expect(await s?.forget(A)).toBe(1);
    expect(await c?.forget(A)).toBe(1);
    expect(await s?.forget(A)).toBe(0); // twice is harmless
    expect([...sender.tenantIds()]).toEqual([B]);
    expect(sender.get(B).ownAddress).toBe(`x@${B}.test`);
    expect(content.get(A)).toBeUndefined();
    expect(content.get(B)?.enabled).toBe(true);
  });

  it('domains: by owner field, every domain of the tenant, never another owner', async () => {
    await domains.insert(domain('a1.test', A));
    await domains.insert(domain('a2.test', A));
    await domains.insert(domain('b.test', B));
    await domains.insert(domain('platform.test', PLATFORM_OWNER));
    expect(new Set(domains.tenantIds())).toEqual(new Set([A, B, PLATFORM_OWNER]));
    expect(await domains.removeAll(A)).toBe(2);
    expect(domains.listFor(A)).toEqual([]);
    expect(domains.listFor(B).map((d) => d.domain)).toEqual(['b.test']);
    expect(domains.get('platform.test')).toBeDefined();
  });

  it('suppressions: the key range of one tenant, list and bounce counts', async () => {
    for (const id of [A, B]) {
      await suppressions.add(id, 'gone@customer.test', 'by hand', 1);
      await suppressions.recordHardBounce(
        { tenantId: id, address: 'full@customer.test', reason: '550', userUnknown: false, now: 2 },
        { hard: 3, userUnknown: 1 },
      );
    }
    expect(new Set(suppressions.tenantIds())).toEqual(new Set([A, B]));
    expect(await suppressions.removeTenant(A)).toBe(2); // one entry, one bounce count
    expect(suppressions.list(A)).toEqual([]);
    expect([...mx.bounces.getKeys()]).toEqual([`${B}/full@customer.test`]);
    expect(suppressions.list(B).map((e) => e.address)).toEqual(['gone@customer.test']);
  });

  it('gmail store: send counts and consent flows of one tenant (the link itself goes through unlink)', async () => {
    const now = Date.UTC(2026, 10, 28, 12);
    for (const id of [A, B]) {
      gmail.quota.take(`${id}:5`, 10, now);
      await gmail.putState(`state-${id}`, { tenantId: id, expiresAt: now + 60_000, codeVerifier: 'v' }, now);
    }
    await gmail.updateLink(B, () => ({
      address: 'b@gmail.test',
      refreshTokenSealed: 's',
      aliases: [],
      aliasesAt: 1,
      linkedAt: 5,
    }));
    expect(new Set(await gmail.tenantIds())).toEqual(new Set([A, B]));
    expect(await gmail.forgetCounts(A)).toBe(2);
    expect(await gmail.takeState(`state-${A}`, now)).toBeUndefined();
    expect(gmail.quota.sentToday(`${A}:5`, now)).toBe(0);
    expect(gmail.quota.sentToday(`${B}:5`, now)).toBe(1);
    expect((await gmail.takeState(`state-${B}`, now))?.tenantId).toBe(B);
    expect([...(await gmail.tenantIds())]).toEqual([B]);
  });
});

function stub(name: string, held: Set<string> = new Set(), log: string[] = []): TenantDataOwner {
  return {
    name,
    tenantIds: () => held,
    async forget(id) {
      log.push(`${name}:${id}`);
      return held.delete(id) ? 1 : 0;
    },
  };
}

describe('purgeDeletedTenants', () => {
  it('purges only tenants whose record is gone and whose mail is all final', async () => {
    const log: string[] = [];
    const owners = [stub('x', new Set(['live', 'gone', 'queued']), log), stub('y', new Set(['gone']), log)];
    const purged = await purgeDeletedTenants({
      owners,
      logger,
      tenantExists: async (id) => id === 'live',
      pending: (id) => (id === 'queued' ? 1 : 0),
    });
    expect(purged).toEqual(['gone']);
    expect(log).toEqual(['x:gone', 'y:gone']);
    expect([...(await owners[0]!.tenantIds())].sort()).toEqual(['live', 'queued']);
  });

  it('an owner that fails: the others still forget, the tenant is not reported, the next run retries', async () => {
    const held = new Set(['gone']);
    let fail = true;
    const flaky: TenantDataOwner = {
      name: 'flaky',
      tenantIds: () => held,
      async forget(id) {
        if (fail) throw new Error('disk');
        held.delete(id);
        return 1;
      },
    };
    const other = stub('other', new Set(['gone']));
    const deps = { owners: [flaky, other], logger, tenantExists: async () => false, pending: () => 0 };
    expect(await purgeDeletedTenants(deps)).toEqual([]);
    expect([...(await other.tenantIds())]).toEqual([]);
    fail = false;
    expect(await purgeDeletedTenants(deps)).toEqual(['gone']);
    expect(held.size).toBe(0);
  });
});

describe('startTenantPurge', () => {
  it('runs at start, on its timer, and when triggered; stop ends the timer', async () => {
    let passes = 0;
    const held = new Set<string>();
    const owner: TenantDataOwner = {
      name: 'n',
      tenantIds: () => {
        passes += 1;
        return held;
      },
      async forget(id) {
        held.delete(id);
        return 1;
      },
    };
    const purge = startTenantPurge({
      owners: [owner],
      logger,
      tenantExists: async () => false,
      pending: () => 0,
      everyMs: 40,
    });
    await waitFor(() => passes >= 1, 8_000, 'the start run');
    expect(passes).toBe(1); // the start run
    held.add('t');
    await waitFor(() => held.size === 0, 8_000, 'the timer to purge t');
    expect(held.size).toBe(0); // the timer found it
    held.add('u');
    expect(await purge.run()).toEqual(['u']);
    await purge.stop();
    const after = passes;
    await expectNothingFor(120, () => passes === after, 'no pass after stop');
    expect(passes).toBe(after);
    expect(await purge.run()).toEqual([]);
  });

  it('coalesces triggers: at most one pass waits behind the running one', async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const owner: TenantDataOwner = {
      name: 'n',
      tenantIds: () => {
        passes += 1;
        return ['t'];
      },
      forget: async () => 0,
    };
    const purge = startTenantPurge({
      owners: [owner],
      logger,
      tenantExists: async () => {
        await gate;
        return true;
      },
      pending: () => 0,
    });
    for (let i = 0; i < 5; i += 1) purge.trigger();
    release();
    await purge.run();
    await purge.stop();
    expect(passes).toBe(2);
  });
});
