/**
 * The reader pool: attachments read in worker threads (started lazily, under tsx here), each job
 * bounded by a time limit after which its worker is replaced. One tenant's hostile PDF costs at most
 * the time limit; another tenant's invoice queued behind it is still read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/documents/read-attachment.js';
import { createReaderPool, type ReaderPool } from '../../src/documents/reader-pool.js';
import { facturXPdf, invoicePdf, minimalCii } from '../helpers/pdf-fixtures.js';
import { compressedBombPdf, encryptedPdf, manyPagesPdf, pageTreeLoopPdf } from '../helpers/pdf-hostile.js';

// Generous: the worker's first job also pays for starting it on a loaded machine.
const pool: ReaderPool = createReaderPool({ size: 2, timeoutMs: 20_000 });
// Opening 50,000 pages costs pdfjs about a second of CPU; an attachment that is no document, a millisecond.
const STRICT_MS = 250;
const strict: ReaderPool = createReaderPool({ size: 1, timeoutMs: STRICT_MS });

let invoice: Buffer;
let slow: Buffer;
beforeAll(async () => {
  invoice = await invoicePdf('fr');
  slow = manyPagesPdf(50_000);
  // Start the workers (tsx compiles them, pdfjs loads): slow on a loaded machine, and not what is tested.
  await Promise.all([pool.read(Buffer.from('warm up')), strict.read(Buffer.from('warm up'))]);
}, 120_000);

afterAll(async () => {
  await Promise.all([pool.close(), strict.close()]);
});

describe('reader pool', () => {
  it('reads in a worker what readAttachment reads in this thread', async () => {
    const inWorker = await pool.read(invoice, { filename: 'facture.pdf' });
    expect(inWorker).toEqual(await readAttachment(invoice, { filename: 'facture.pdf' }));
    expect(inWorker.facts.payable?.value).toEqual({ amount: '1234.56', currency: 'EUR' });
  });

  it('hands back a Factur-X XML as a Buffer', async () => {
    const xml = minimalCii();
    const reading = await pool.read(await facturXPdf(xml));
    expect(reading.format).toBe('factur-x');
    expect(Buffer.isBuffer(reading.xml)).toBe(true);
    expect(reading.xml?.toString('utf8')).toBe(xml);
  });

  it('answers hostile files with a problem and stays usable', async () => {
    const readings = await Promise.all([
      pool.read(pageTreeLoopPdf()),
      pool.read(encryptedPdf()),
      pool.read(compressedBombPdf(32)),
      pool.read(Buffer.alloc(0)),
    ]);
    expect(readings.map((r) => r.format)).toEqual(['pdf-unreadable', 'pdf-unreadable', 'pdf-unreadable', 'unknown']);
    for (const reading of readings) expect(reading.problems.length).toBe(1);
    expect((await pool.read(invoice)).facts.number?.value).toBe('FA-2026/117');
  });

  it('does not take an attachment over the size limit to a worker', async () => {
    const small = createReaderPool({ maxBytes: 100 });
    const reading = await small.read(invoice);
    await small.close();
    expect(reading.format).toBe('pdf-unreadable');
    expect(reading.problems[0]).toMatch(/more than the limit of 100$/);
  });
});

describe('time limit', () => {
  it('stops a job at the limit, replaces the worker, and reads the next tenant’s attachment', {
    timeout: 120_000,
  }, async () => {
    const hostile = strict.read(slow, { filename: 'tenant-a.pdf' });
    const next = strict.read(Buffer.from('not a document'), { filename: 'tenant-b.txt' });
    expect(await hostile).toEqual({
      filename: 'tenant-a.pdf',
      format: 'pdf-unreadable',
      facts: {},
      problems: [`reading stopped after ${STRICT_MS} ms`],
    });
    expect(await next).toEqual({ filename: 'tenant-b.txt', format: 'unknown', facts: {}, problems: [] });
  });

  it('answers at once when closed', async () => {
    const closed = createReaderPool();
    await closed.close();
    expect((await closed.read(invoice)).problems).toEqual(['not read: the reader pool is closed']);
  });
});

describe('recycling', () => {
  it('replaces a worker after its documents and reads on with the new one', { timeout: 120_000 }, async () => {
    // pdf.js keeps a few KB of every document in its thread: a worker is retired before that adds up.
    const recycling = createReaderPool({ size: 1, timeoutMs: 60_000, recycleAfter: 2 });
    try {
      const xml = Buffer.from(minimalCii());
      const readings = [];
      for (let i = 0; i < 3; i++) readings.push(await recycling.read(xml, { filename: `f${i}.xml` }));
      expect(readings.map((r) => r.format)).toEqual(['cii', 'cii', 'cii']);
      expect(readings[2]).toEqual({ ...readings[0], filename: 'f2.xml' });
      expect(recycling.workersStarted).toBe(2);
    } finally {
      await recycling.close();
    }
  });
});
