import type { PDFDocumentProxy, TextItem } from 'pdfjs-dist/types/src/display/api.js';

/**
 * The text layer of a PDF as lines, within limits: a PDF may claim ten thousand pages or hold
 * megabytes of text, and pdfjs spends a few milliseconds on each page. An invoice's facts are on its
 * first page, its totals on the last: the first and the last pages are read, in page order. Items on
 * one line that are far apart (a gap wider than half the font size) are joined with two spaces, so
 * columns stay visible to the label scan.
 */
export interface TextLimits {
  readonly firstPages: number;
  readonly lastPages: number;
  readonly maxChars: number;
}

export interface TextLayer {
  readonly lines: readonly string[];
  readonly pagesRead: number;
  /** Characters that are not white space, over the pages read. */
  readonly visibleChars: number;
  readonly problems: readonly string[];
}

/** Whether a partial text layer already says all there is to find (then no more pages are read). */
export type Enough = (layer: TextLayer, lastRead: boolean) => boolean;

/**
 * With `enough`, a PDF of more than one page is read lazily: its first page, then its last (the
 * header, then the totals), and the pages between only when those do not satisfy `enough`. The
 * layer is then the same as reading every page to read in order.
 */
export async function readTextLayer(pdf: PDFDocumentProxy, limits: TextLimits, enough?: Enough): Promise<TextLayer> {
  const pages = pagesToRead(pdf.numPages, limits);
  const read = new Map<number, PageRead>();
  const [first, last] = [pages[0], pages.at(-1)];
  if (enough !== undefined && first !== undefined && last !== undefined && pages.length > 1) {
    for (const ends of pages.length > 2 ? [[first], [first, last]] : [[first]]) {
      for (const n of ends) if (!read.has(n)) read.set(n, await readPage(pdf, n));
      const layer = collect(ends, read, limits);
      if (layer.problems.length === 0 && enough(layer, ends.includes(last))) {
        // Said only where a full read would have said what it left out too: a short PDF has no problem.
        const which = ends.length === 1 ? 'the first' : 'the first and the last';
        const note = `read ${ends.length} of ${pdf.numPages} pages (${which} said enough)`;
        return { ...layer, problems: pages.length < pdf.numPages ? [note] : [] };
      }
    }
  }
  let chars = 0;
  for (const n of pages) {
    // As in collect: nothing after an unreadable page or past the character limit.
    if (chars >= limits.maxChars) break;
    const page = read.get(n) ?? (await readPage(pdf, n));
    read.set(n, page);
    if (!Array.isArray(page)) break;
    chars += page.reduce((sum, line) => sum + line.length, 0);
  }
  const layer = collect(pages, read, limits);
  if (pages.length < pdf.numPages) {
    const which = `the first ${limits.firstPages}, the last ${limits.lastPages}`;
    return { ...layer, problems: [`read ${pages.length} of ${pdf.numPages} pages (${which})`, ...layer.problems] };
  }
  return layer;
}

type PageRead = string[] | { error: string };

async function readPage(pdf: PDFDocumentProxy, n: number): Promise<PageRead> {
  return pageText(pdf, n).catch((err: unknown) => ({
    error: `page ${n} unreadable: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`,
  }));
}

/** The pages' lines in order, up to the first unreadable page and within the character limit. */
function collect(pages: readonly number[], read: ReadonlyMap<number, PageRead>, limits: TextLimits): TextLayer {
  const lines: string[] = [];
  const problems: string[] = [];
  let chars = 0;
  let pagesRead = 0;
  for (const n of pages) {
    if (chars >= limits.maxChars) break;
    const pageLines = read.get(n);
    if (pageLines === undefined) break;
    if (!Array.isArray(pageLines)) {
      problems.push(pageLines.error);
      break;
    }
    pagesRead++;
    for (const line of pageLines) {
      lines.push(line.slice(0, limits.maxChars - chars));
      chars += line.length;
      if (chars >= limits.maxChars) break;
    }
  }
  if (chars >= limits.maxChars) problems.push(`text cut after ${limits.maxChars} characters`);
  const visibleChars = lines.reduce((sum, line) => sum + line.replace(/\s/g, '').length, 0);
  return { lines, pagesRead, visibleChars, problems };
}

/** Page numbers (1-based) of the first and the last pages, each once, in order. */
export function pagesToRead(count: number, limits: TextLimits): number[] {
  // Never a loop over `count`: a hostile /Count can claim a billion pages.
  const first = Math.min(count, limits.firstPages);
  const lastStart = Math.max(first + 1, count - limits.lastPages + 1);
  const pages = Array.from({ length: first }, (_, i) => i + 1);
  for (let n = lastStart; n <= count; n++) pages.push(n);
  return pages;
}

async function pageText(pdf: PDFDocumentProxy, n: number): Promise<string[]> {
  const page = await pdf.getPage(n);
  try {
    const content = await page.getTextContent();
    return joinItems(content.items.filter((item): item is TextItem => 'str' in item));
  } finally {
    page.cleanup();
  }
}

function joinItems(items: readonly TextItem[]): string[] {
  const lines: string[] = [];
  let line = '';
  let end: number | undefined;
  for (const item of items) {
    if (item.str.trim() !== '') {
      line = joined(line, item, end);
      end = Number(item.transform[4]) + item.width;
    }
    if (item.hasEOL) {
      lines.push(line.trimEnd());
      line = '';
      end = undefined;
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/** Appends an item; the gap before it (white-space items are only gaps) decides the separator. */
function joined(line: string, item: TextItem, end: number | undefined): string {
  if (end === undefined) return line + item.str;
  const size = Math.abs(Number(item.transform[3])) || item.height || 10;
  const gap = Number(item.transform[4]) - end;
  if (gap > size / 2) return `${line.trimEnd()}  ${item.str}`;
  if (gap > size / 8 && !/\s$/.test(line)) return `${line} ${item.str}`;
  return line + item.str;
}
