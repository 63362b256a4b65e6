import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noMetrics } from '../../../src/core/metrics.js';
import { openReports, type Reports } from '../../../src/feedback/reports/open-reports.js';
import { WEEK_MS } from '../../../src/feedback/reports/report-digest.js';
import { PLATFORM_REPORTS } from '../../../src/feedback/reports/report-store.js';
import type { Storage } from '../../../src/store/storage.js';
import { MemoryQueue } from '../../helpers/memory-queue.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { dmarcXml, gzip, reportMail, zipOf } from './report-fixtures.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const owners: Record<string, string> = {
  'acme.test': 'tenant-a',
  'beta.test': 'tenant-b',
  'send.test': PLATFORM_REPORTS,
};

describe('the weekly report digest (injected clock)', () => {
  let dir: string;
  let storage: Storage;
  let reports: Reports;
  let queue: MemoryQueue;
  let now = T0;
  const languages: Record<string, string> = { 'tenant-a': 'nl', 'tenant-b': 'de' };
  const replyTo: Record<string, string | undefined> = { 'tenant-a': 'office@acme.test', 'tenant-b': undefined };

  const open = () =>
    openReports({
      storage,
      ownerOf: (domain) => owners[domain],
      queue,
      recipientOf: async (id) => replyTo[id],
      languageOf: (id) => languages[id],
      from: 'bounces@send.test',
      hostname: 'gw.test',
      metrics: noMetrics,
      logger: pino({ level: 'silent' }),
      clock: () => now,
      onQueued: () => undefined,
    });
  let reportNo = 0;
  const take = (domain: string, rows: Parameters<typeof dmarcXml>[1]) =>
    reports.intake(
      Buffer.from(
        reportMail({
          to: 'dmarc-reports@send.test',
          filename: 'r.zip',
          contentType: 'application/zip',
          content: zipOf('r.xml', Buffer.from(dmarcXml(domain, rows, 'google.com', `r-${++reportNo}`))),
        }),
      ),
      {},
    );
  const digests = () => [...queue.bodies.values()].map((b) => b.toString('utf8'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-digest-'));
    storage = storageAt(dir);
    queue = new MemoryQueue();
    now = T0;
    reports = open();
  });
  afterEach(async () => {
    await reports.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("mails each tenant's week in its language to its confirmed reply address, once a week", async () => {
    await take('acme.test', [
      { ip: '192.0.2.10', count: 20, dkim: 'pass', spf: 'pass' },
      { ip: '203.0.113.5', count: 4, dkim: 'fail', spf: 'fail', disposition: 'reject' },
    ]);
    await take('beta.test', [{ ip: '192.0.2.11', count: 2, dkim: 'pass', spf: 'pass' }]);
    await take('send.test', [{ ip: '192.0.2.12', count: 2, dkim: 'pass', spf: 'pass' }]);
    expect(await reports.runDigest()).toBe(1); // tenant-b has no confirmed reply address; the platform gets none
    const [mail] = [...queue.messages.values()];
    expect(mail).toMatchObject({ tenantId: 'tenant-a', kind: 'dsn', envelope: { from: '', to: ['office@acme.test'] } });
    const [text] = digests();
    expect(text).toContain('Content-Language: nl');
    expect(text).toContain('acme.test');
    expect(text).toContain('24 berichten gerapporteerd: DMARC geslaagd 20, gefaald 4');
    expect(text).toContain('  203.0.113.5: 4, 4');
    expect(text).toContain('4 berichten van 1 verzendadressen faalden voor DMARC');
    expect(text).not.toContain('beta.test');

    now += 3 * 24 * 3600_000; // mid-week: nothing new goes out, even after a restart
    await reports.close();
    storage = storageAt(dir);
    reports = open();
    expect(await reports.runDigest()).toBe(0);
    now = T0 + WEEK_MS + 60_000; // a week later, with no new report: nothing to say
    expect(await reports.runDigest()).toBe(0);
    await take('acme.test', [{ ip: '192.0.2.10', count: 7, dkim: 'pass', spf: 'pass' }]);
    expect(await reports.runDigest()).toBe(1);
    const latest = digests().at(-1) ?? '';
    expect(latest).toContain('7 berichten gerapporteerd: DMARC geslaagd 7, gefaald 0');
  });

  it('words the digest in German and French too, English for any other language', async () => {
    replyTo['tenant-b'] = 'buero@beta.test';
    await take('beta.test', [{ ip: '192.0.2.11', count: 2, dkim: 'pass', spf: 'pass' }]);
    expect(await reports.runDigest()).toBe(1);
    expect(digests()[0]).toContain('2 Nachrichten gemeldet: DMARC bestanden 2');
    languages['tenant-b'] = 'fr';
    now += WEEK_MS;
    await take('beta.test', [{ ip: '192.0.2.11', count: 3, dkim: 'pass', spf: 'pass' }]);
    expect(await reports.runDigest()).toBe(1);
    expect(digests()[1]).toContain('3 messages rapportés : DMARC réussi 3');
    languages['tenant-b'] = 'es';
    now += WEEK_MS;
    await take('beta.test', [{ ip: '192.0.2.11', count: 1, dkim: 'pass', spf: 'pass' }]);
    expect(await reports.runDigest()).toBe(1);
    expect(digests()[2]).toContain('1 messages reported: DMARC passed 1');
    replyTo['tenant-b'] = undefined;
  });

  it('a store that fails makes the intake throw (not swallowed): the MX keeps the mail and retries', async () => {
    // A closed store stands in for a failed commit (disk full): the write rejects.
    await reports.close();
    await expect(take('acme.test', [{ ip: '192.0.2.10', count: 1, dkim: 'pass', spf: 'pass' }])).rejects.toThrow();
    storage = storageAt(dir);
    reports = open();
    expect(await reports.reader.summary('tenant-a', 'acme.test', 0)).toMatchObject({ dmarc: { reports: 0 } });
  });

  it('reads gzip reports too, and stores a resent report once', async () => {
    const mail = () =>
      Buffer.from(
        reportMail({
          to: 'dmarc-reports@send.test',
          filename: 'r.xml.gz',
          contentType: 'application/gzip',
          content: gzip(dmarcXml('acme.test', [{ ip: '192.0.2.10', count: 3, dkim: 'fail', spf: 'pass' }])),
        }),
      );
    await reports.intake(mail(), {});
    await reports.intake(mail(), {});
    const summary = await reports.reader.summary('tenant-a', 'acme.test', 0);
    expect(summary.dmarc).toMatchObject({
      reports: 1,
      messages: 3,
      dkim: { pass: 0, fail: 3 },
      spf: { pass: 3, fail: 0 },
    });
    expect(summary.whatToFix.map((a) => a.code)).toEqual(['report-tighten']);
  });
});
