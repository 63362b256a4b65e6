import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_MAX_LIMIT, openAuditLog, type AuditLog } from '../../../src/admin/audit/audit-log.js';
import { storageAt } from '../../helpers/temp-storage.js';

const A = '01JD4T8X9M2C5V7B3N6K0QWERA';
const B = '01JD4T8X9M2C5V7B3N6K0QWERB';

let dir: string;
let log: AuditLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-audit-'));
  log = openAuditLog(storageAt(dir));
});

afterEach(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (at: number, tenantId?: string) => ({
  at,
  actor: 'admin',
  method: 'PATCH',
  route: '/tenants/:id',
  targetId: tenantId ?? 'x',
  fieldsChanged: ['name'],
  status: 200,
  ...(tenantId === undefined ? {} : { tenantId }),
});

describe('audit log', () => {
  it('purges entries older than the cut-off, in batches; tenant pages show only what is left', async () => {
    for (let i = 1; i <= 1200; i++) await log.record(entry(i, i % 2 ? A : B));
    expect(await log.purgeOlderThan(1101)).toBe(1100);
    const all = await log.list({ limit: AUDIT_MAX_LIMIT });
    expect(all.entries.map((e) => e.at)).toEqual(Array.from({ length: 100 }, (_, i) => 1200 - i));
    const ofA = await log.list({ limit: AUDIT_MAX_LIMIT, tenantId: A });
    expect(ofA.entries.every((e) => e.at >= 1101 && e.tenantId === A)).toBe(true);
    expect(ofA.entries).toHaveLength(50);
    expect(await log.purgeOlderThan(1101)).toBe(0);
  });

  it('lists newest first and pages with before/next until the start', async () => {
    for (let i = 1; i <= 5; i++) await log.record(entry(1000 * i, i % 2 ? A : B));
    const first = await log.list({ limit: 2 });
    expect(first.entries.map((e) => e.at)).toEqual([5000, 4000]);
    expect(first.next).toBe(first.entries[1]?.id);
    const second = await log.list({ limit: 2, before: first.next });
    expect(second.entries.map((e) => e.at)).toEqual([3000, 2000]);
    const last = await log.list({ limit: 2, before: second.next });
    expect(last.entries.map((e) => e.at)).toEqual([1000]);
    expect(last.next).toBeUndefined();
  });

  it("reads one tenant's entries through its own index, paged the same way", async () => {
    for (let i = 1; i <= 6; i++) await log.record(entry(1000 * i, i % 2 ? A : B));
    await log.record(entry(7000));
    const page = await log.list({ limit: 2, tenantId: A });
    expect(page.entries.map((e) => [e.at, e.tenantId])).toEqual([
      [5000, A],
      [3000, A],
    ]);
    const rest = await log.list({ limit: 2, tenantId: A, before: page.next });
    expect(rest.entries.map((e) => e.at)).toEqual([1000]);
    expect(rest.next).toBeUndefined();
    expect((await log.list({ limit: 10, tenantId: B })).entries.map((e) => e.at)).toEqual([6000, 4000, 2000]);
    expect((await log.list({ limit: 10, tenantId: '01JD4T8X9M2C5V7B3N6K0QWERC' })).entries).toEqual([]);
  });

  it('keeps the record as given (field names only) and bounds the page size', async () => {
    const stored = await log.record({ ...entry(1000, A), fieldsChanged: ['smtpPassword'] });
    expect(stored).toMatchObject({ actor: 'admin', tenantId: A, fieldsChanged: ['smtpPassword'], status: 200 });
    for (let i = 0; i < AUDIT_MAX_LIMIT + 5; i++) await log.record(entry(2000 + i));
    expect((await log.list({ limit: 10_000 })).entries).toHaveLength(AUDIT_MAX_LIMIT);
    expect((await log.list({ limit: 0 })).entries).toHaveLength(1);
  });
});
