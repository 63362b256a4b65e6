import { describe, expect, it } from 'vitest';
import { renderDefaultLayout, textToHtml } from '../../../src/pipeline/content/default-layout.js';
import { imageOnlyWarnings, shortForPixelWarnings } from '../../../src/pipeline/content/spam-lint-images.js';
import { lintMessage } from '../../../src/pipeline/content/spam-lint.js';
import { MIN_HTML_FOR_PIXEL } from '../../../src/pipeline/tracking/pixel-threshold.js';

const SHORT = 'Beste Jan,\n\nIn bijlage vindt u factuur 12.\nBedankt voor uw vertrouwen,\nJansen';
const layout = (text: string, logoUrl?: string) =>
  renderDefaultLayout({
    language: 'nl',
    title: 'Factuur 12',
    companyName: 'Jansen',
    logoUrl,
    contentHtml: textToHtml(text),
  });

describe('images in short HTML', () => {
  it('a logo in a short default-layout message: image-only advice on the <img>, in the message lint', () => {
    const html = layout(SHORT, 'https://jansen.example/logo.png');
    const [warning] = imageOnlyWarnings(html);
    expect(warning).toMatchObject({ rule: 'image-only' });
    expect(html.slice(warning!.start, warning!.end)).toMatch(/^<img src="https:\/\/jansen\.example\/logo\.png"/);
    expect(warning!.message).toContain(`at least ${MIN_HTML_FOR_PIXEL} characters of HTML`);
    const lint = lintMessage({ subject: 'Factuur 12', text: SHORT, html }, { clientName: 'Jan' });
    expect(lint.filter((w) => w.rule === 'image-only').map((w) => w.field)).toEqual(['html']);
  });

  it('no advice without an image, or with enough HTML around it', () => {
    expect(imageOnlyWarnings(layout(SHORT))).toEqual([]);
    const long = layout(
      `${SHORT}\n\n${'Wij danken u voor de prettige samenwerking dit jaar. '.repeat(40)}`,
      'https://x.example/l.png',
    );
    expect(long.length).toBeGreaterThanOrEqual(MIN_HTML_FOR_PIXEL);
    expect(imageOnlyWarnings(long)).toEqual([]);
  });

  it('open tracking: short HTML is told it goes out without a pixel; long HTML and plain text are not', () => {
    expect(shortForPixelWarnings(layout(SHORT))).toEqual([
      expect.objectContaining({ rule: 'tracking-short-html', message: expect.stringContaining('without a pixel') }),
    ]);
    expect(shortForPixelWarnings('x'.repeat(MIN_HTML_FOR_PIXEL))).toEqual([]);
    expect(shortForPixelWarnings(undefined)).toEqual([]);
  });
});
