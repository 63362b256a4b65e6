import type { PDFDocumentProxy, TextItem } from 'pdfjs-dist/types/src/display/api.js';

/**
 * The text layer of a PDF as lines, page after page, within limits: a PDF may claim ten thousand
 * pages or hold megabytes of text, and an invoice's facts are on its first pages. Items on one line
 * that are far apart (a gap wider than half the font size) are joined with two spaces, so columns
 * stay visible to the label scan.
 */
export interface TextLimits {
  readonly maxPages: number;
  readonly maxChars: number;
}

export interface TextLayer {
  readonly lines: readonly string[];
  readonly pagesRead: number;
  /** Characters that are not white space, over the pages read. */
  readonly visibleChars: number;
  readonly problems: readonly string[];
}

export async function readTextLayer(pdf: PDFDocumentProxy, limits: TextLimits): Promise<TextLayer> {
  const lines: string[] = [];
  const problems: string[] = [];
  let chars = 0;
  let pagesRead = 0;
  const pages = Math.min(pdf.numPages, limits.maxPages);
  if (pdf.numPages > limits.maxPages) problems.push(`read the first ${pages} of ${pdf.numPages} pages`);
  for (let n = 1; n <= pages && chars < limits.maxChars; n++) {
    const pageLines = await pageText(pdf, n).catch((err: unknown) => {
      problems.push(`page ${n} unreadable: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`);
      return undefined;
    });
    if (pageLines === undefined) break;
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
