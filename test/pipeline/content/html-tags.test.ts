import { describe, expect, it } from 'vitest';
import { maskTags, tagsOf } from '../../../src/pipeline/content/html-tags.js';

describe('tagsOf', () => {
  it('lists tags with positions, names and attributes; skips comments and stray "<"', () => {
    const html = '<!-- c --><P class="x">a < b</P><br/>';
    expect(tagsOf(html).map((t) => [html.slice(t.start, t.end), t.name, t.closing, t.attrs])).toEqual([
      ['<P class="x">', 'p', false, ' class="x"'],
      ['</P>', 'p', true, ''],
      ['<br/>', 'br', false, '/'],
    ]);
  });

  it('masks tags keeping positions', () => {
    expect(maskTags('<b>HI</b> there')).toBe('   HI     there');
  });

  it('is linear on unclosed input', () => {
    const started = Date.now();
    tagsOf(`${'<a '.repeat(100_000)}`);
    tagsOf(`${'<'.repeat(300_000)}>`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
