import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReservedLocalPart, normaliseLocalPart } from '../../src/tenants/local-part.js';
import { registerAllLocalParts } from '../../src/tenants/local-part-claims.js';
import { openTenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { openSenderSettingsStore } from '../../src/tenants/sender-settings-store.js';
import { DEFAULT_SENDER_SETTINGS } from '../../src/tenants/sender-settings.js';
import { nextMillisecond } from '../helpers/wait-for.js';
import { storageAt } from '../helpers/temp-storage.js';

describe('forwarding local parts: normalisation, reserved names, the index at start', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-lp-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('normalises case, spaces and full-width forms; reserves role accounts, the VERP local part and SRS forms', () => {
    expect(normaliseLocalPart(' ＦacTuren ')).toBe('facturen');
    for (const lp of [
      'postmaster',
      'ABUSE',
      'mailer-daemon',
      'no-reply',
      'noreply',
      'root',
      'retour',
      'retour+x',
      'retour-1',
      'srs0',
      'SRS0=ab',
      'srs1-x',
    ]) {
      expect(isReservedLocalPart(lp, 'retour'), lp).toBe(true);
    }
    for (const lp of ['facturen', 'retouren', 'srs', 'srs2', 'bounces', 'postmasters'])
      expect(isReservedLocalPart(lp, 'retour'), lp).toBe(false);
  });

  it(
    'at start, an upgraded data dir becomes consistent: first by creation keeps a shared local part, later ones ' +
      'get a variant, logged',
    async () => {
      const made = openTenantStore(storageAt(dir));
      const base = { smtpPasswordHash: '', allowedIps: [], allowPlaintextAuth: false };
      const first = await made.create({ ...base, name: 'First', smtpUsername: 'shared' });
      await nextMillisecond(); // creation order is by millisecond
      const second = await made.create({ ...base, name: 'Second', smtpUsername: 'second' });
      await nextMillisecond(); // creation order is by millisecond
      const third = await made.create({ ...base, name: 'Third', smtpUsername: 'third' });
      await made.close(); // the old version stops; the upgrade happens when the new one starts
      // Settings as an older version wrote them: no index, an explicit duplicate, a reserved name.
      const raw = open({ path: join(dir, 'sender'), maxDbs: 3 });
      const settings = raw.openDB({ name: 'sender-settings', encoding: 'json' });
      await settings.put(second.id, { ...DEFAULT_SENDER_SETTINGS, localPart: 'shared' });
      await settings.put(third.id, { ...DEFAULT_SENDER_SETTINGS, localPart: 'postmaster' });
      await raw.close();
      const tenants = openTenantStore(storageAt(dir));

      const lines: string[] = [];
      const logger = pino(
        { level: 'info' },
        {
          write: (l: string) => {
            lines.push(l);
          },
        },
      );
      const sender = openSenderSettingsStore(storageAt(dir));
      try {
        await registerAllLocalParts(tenants, sender, logger);
        expect([first, second, third].map((t) => sender.get(t.id).localPart)).toEqual([
          'shared',
          'shared-2',
          'postmaster-2',
        ]);
        expect(['shared', 'shared-2', 'postmaster-2', 'postmaster'].map((lp) => sender.localPartOwner(lp))).toEqual([
          first.id,
          second.id,
          third.id,
          undefined,
        ]);
        expect(lines.filter((l) => l.includes('got a variant'))).toHaveLength(2);
        // A second start changes nothing.
        await registerAllLocalParts(tenants, sender, logger);
        expect(lines.filter((l) => l.includes('got a variant'))).toHaveLength(2);
        // Claims in one transaction: the second of two claims for the same name fails.
        const results = await Promise.allSettled(
          [second, third].map((t) => sender.update(t.id, (s) => ({ ...s, localPart: 'race' }))),
        );
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        await sender.remove(first.id);
        expect(sender.localPartOwner('shared')).toBeUndefined();
      } finally {
        await sender.close();
        await tenants.close();
      }
    },
  );
});
