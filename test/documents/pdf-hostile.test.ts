/**
 * Hostile PDFs read in the calling thread: each gives a bounded answer with a clear problem, never a
 * throw or a hang. (The reader pool's time and memory limits are tested in reader-pool.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_STREAM_BYTES } from '../../src/documents/pdf/inflate-guard.js';
import { PDF_LIMITS } from '../../src/documents/pdf/read-pdf.js';
import { readAttachment } from '../../src/documents/read-attachment.js';
import { invoicePdf } from '../helpers/pdf-fixtures.js';
import {
  brokenXrefPdf,
  compressedBombPdf,
  encryptedPdf,
  manyPagesPdf,
  pageTreeLoopPdf,
  textRawPdf,
  truncatedPdf,
} from '../helpers/pdf-hostile.js';

const PHRASE = 'Factuurnummer: HOSTILE-1 Vervaldatum: 30-04-2026 Te betalen: EUR 10,00';

beforeAll(async () => {
  await readAttachment(textRawPdf(PHRASE));
});

describe('hostile PDFs', () => {
  it('reads the hand-written control file, so the hostile ones differ only in their flaw', async () => {
    const reading = await readAttachment(textRawPdf(PHRASE));
    expect(reading).toMatchObject({ format: 'pdf-text', problems: [] });
    expect(reading.facts.number?.value).toBe('HOSTILE-1');
  });

  it('rebuilds a broken xref table by scanning the objects, as pdfjs does', async () => {
    const reading = await readAttachment(brokenXrefPdf());
    expect(reading.format).toBe('pdf-text');
    expect(reading.facts.number?.value).toBe('XREF-1');
  });

  it('calls a file with a broken xref table and no objects to rebuild from broken', async () => {
    const bytes = brokenXrefPdf();
    const noObjects = Buffer.from(bytes.toString('latin1').replace(/\d+ 0 obj/g, 'x 0 bj'), 'latin1');
    const reading = await readAttachment(noObjects);
    expect(reading.format).toBe('pdf-unreadable');
    expect(reading.problems[0]).toMatch(/^broken: /);
  });

  it('stops at a page tree whose kids point back at itself', async () => {
    const reading = await readAttachment(pageTreeLoopPdf());
    expect(reading.format).toBe('pdf-unreadable');
    expect(reading.problems.join(' ')).toMatch(/circular reference/i);
  });

  it('refuses a compressed bomb before inflating it whole', async () => {
    const bomb = compressedBombPdf(64);
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const reading = await readAttachment(bomb);
    expect(reading).toMatchObject({ format: 'pdf-unreadable', facts: {} });
    expect(reading.problems).toEqual([`compressed bomb: a stream inflates to more than ${MAX_STREAM_BYTES} bytes`]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('says an encrypted PDF needs a password', async () => {
    expect(await readAttachment(encryptedPdf())).toMatchObject({
      format: 'pdf-unreadable',
      facts: {},
      problems: ['encrypted: the PDF needs a password to be read'],
    });
  });

  it('calls a truncated file broken', async () => {
    const reading = await readAttachment(truncatedPdf(await invoicePdf('nl')));
    expect(reading.format).toBe('pdf-unreadable');
    expect(reading.problems[0]).toMatch(/^broken: /);
  });

  it('reads only the first and last pages of 10,000 and says so', async () => {
    const reading = await readAttachment(manyPagesPdf(10_000));
    expect(reading.format).toBe('pdf-text');
    expect(reading.facts.number?.value).toBe('MANY-1');
    const { firstPages, lastPages } = PDF_LIMITS;
    const read = firstPages + lastPages;
    expect(reading.problems).toEqual([`read ${read} of 10000 pages (the first ${firstPages}, the last ${lastPages})`]);
  });

  it('reads a file with junk before %PDF- as a PDF, and junk alone as unknown', async () => {
    const junk = Buffer.concat([Buffer.from('garbage\n'), textRawPdf(PHRASE)]);
    expect((await readAttachment(junk)).facts.number?.value).toBe('HOSTILE-1');
    expect((await readAttachment(Buffer.from('%PDX-1.7 nothing'))).format).toBe('unknown');
  });
});
