import { describe, expect, it } from 'vitest';
import { asksForHold } from '../../../src/pipeline/review/hold-rules.js';
import { paragraphs } from '../../../src/pipeline/review/edit-stage.js';
import { injectPixel, withoutPixel } from '../../../src/pipeline/tracking/pixel.js';

describe('review helpers', () => {
  it('X-Postbode-Hold: yes, true, 1 or on (any case) ask for a hold; anything else does not', () => {
    for (const v of ['yes', 'YES', ' true ', '1', 'On']) expect(asksForHold(v)).toBe(true);
    for (const v of ['no', '', '0', 'later', 'yes please']) expect(asksForHold(v)).toBe(false);
  });

  it('an edited text becomes HTML paragraphs, escaped', () => {
    expect(paragraphs('Beste <Jan>,\n\nRegel 1\nRegel 2 & meer')).toBe(
      '<!DOCTYPE html>\n<html><body>\n<p>Beste &lt;Jan&gt;,</p>\n' +
        '<p>Regel 1<br>\nRegel 2 &amp; meer</p>\n</body></html>\n',
    );
  });

  it('the preview loses the open-tracking pixel and nothing else', () => {
    const html = `<html><body><p>${'Uw factuur. '.repeat(20)}</p></body></html>`;
    const tracked = injectPixel(html, 'https://pixel.postbode.test/t/abc_DEF-123.gif');
    expect(tracked).toContain('/t/abc_DEF-123.gif');
    expect(withoutPixel(tracked ?? '')).toBe(html);
  });
});
