import { describe, expect, it } from 'vitest';
import { linksStylesheet, validateLayout } from '../../../src/pipeline/content/layout-validation.js';
import { addressIn } from '../../../src/mime/sender-address.js';
import { textLinkWarnings } from '../../../src/pipeline/content/spam-lint.js';

/**
 * Regexes that backtracked quadratically on tenant-controlled text (a legacy mail's From or
 * body, a custom layout) were replaced by linear scans. Each is checked against the regex it
 * replaced on every short string of a small alphabet, and timed on a hostile long one.
 */
function* strings(tokens: string | readonly string[], maxLength: number): Generator<string> {
  let layer = [''];
  for (let n = 1; n <= maxLength; n++) {
    layer = layer.flatMap((s) => [...tokens].map((c) => s + c));
    yield* layer;
  }
}

const oldAddressIn = (value: string) =>
  /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? /([^\s<>",;:()]+@[^\s<>",;:()]+)/.exec(value)?.[1];
const oldLinksStylesheet = (attrs: string) => /rel\s*=\s*["']?[^"'>]*stylesheet/i.test(attrs);

function fast(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

describe('linear replacements for backtracking regexes', () => {
  it('addressIn finds what the regexes found', () => {
    const differ = [...strings('a@< >",', 6)].filter((s) => addressIn(s) !== oldAddressIn(s));
    expect(differ).toEqual([]);
    expect(addressIn('Acme Facturatie <facturen@acme.example>')).toBe('facturen@acme.example');
    expect(addressIn('facturen@acme.example (Acme)')).toBe('facturen@acme.example');
  });

  it('addressIn on a 256 KiB From without an address: milliseconds, not minutes', () => {
    expect(fast(() => addressIn('a'.repeat(256 * 1024)))).toBeLessThan(50);
    expect(fast(() => addressIn(`<${'a@'.repeat(128 * 1024)}`))).toBeLessThan(50);
  });

  it('rel=stylesheet is found as the regex found it', () => {
    const differ = [...strings(['rel', 'REL', '=', 'stylesheet', '"', "'", ' ', 'x'], 5)].filter(
      (s) => linksStylesheet(s) !== oldLinksStylesheet(s),
    );
    expect(differ).toEqual([]);
    for (const attrs of [
      ' rel="stylesheet" href="x.css"',
      " REL='alternate stylesheet'",
      ' rel = stylesheet',
      ' rel=icon title="stylesheet"',
    ]) {
      expect(linksStylesheet(attrs), attrs).toBe(oldLinksStylesheet(attrs));
    }
  });

  it('a 100 KB layout of rel= repeated is checked at once', () => {
    const layout = `<html><body>%content%<link ${'rel='.repeat(24_000)}></body></html>`;
    expect(fast(() => validateLayout(layout, new Set()))).toBeLessThan(200);
  });

  it('a URL ending in a million dots is linted at once', () => {
    const text = `zie http://a${'.'.repeat(1_000_000)}x en http://b.example/factuur.`;
    let urls: string[] = [];
    expect(
      fast(() => {
        urls = textLinkWarnings(text, {}).map((w) => w.message);
      }),
    ).toBeLessThan(200);
    expect(urls.at(-1)).toContain('b.example');
    expect(textLinkWarnings('zie http://b.example/f?x=1...!', {})[0]?.end).toBe('zie http://b.example/f?x=1'.length);
  });
});
