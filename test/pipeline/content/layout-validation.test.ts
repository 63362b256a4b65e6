import { describe, expect, it } from 'vitest';
import { prepareCustomLayout, validateLayout } from '../../../src/pipeline/content/layout-validation.js';
import { BUILTIN_VARIABLES } from '../../../src/pipeline/content/variables.js';

const known = new Set<string>(BUILTIN_VARIABLES);
const rules = (html: string) => validateLayout(html, known).map((e) => [e.rule, html.slice(e.start, e.end)]);

describe('validateLayout', () => {
  it('accepts a plain layout with inline CSS, a <style> block and variables', () => {
    const html =
      '<html><head><style>p { color: #333 }</style></head><body style="margin:0">' +
      '<img src="https://acme.example/l.png" alt="%company-name%">' +
      '<a href="https://acme.example">%Company-name%</a>%content%</body></html>';
    expect(validateLayout(html, known)).toEqual([]);
  });

  it('needs %content% exactly once', () => {
    expect(validateLayout('<p>no placeholder</p>', known)).toEqual([
      {
        rule: 'content-placeholder',
        message: 'the layout needs a %content% placeholder for the message text',
        start: 0,
        end: 0,
      },
    ]);
    expect(rules('%content%<hr>%CONTENT%')).toEqual([['content-placeholder', '%CONTENT%']]);
  });

  it.each([
    ['script', '<p>%content%</p><script src="x.js"></script>', [['script', '<script src="x.js">']]],
    ['script in capitals', '%content%<SCRIPT>alert(1)</SCRIPT>', [['script', '<SCRIPT>']]],
    ['event handler', '%content%<img src=x onerror="alert(1)">', [['event-handler', ' onerror=']]],
    ['event handler after a slash', '%content%<svg/onload=alert(1)>', [['event-handler', '/onload=']]],
    ['javascript: link', '%content%<a href="javascript:alert(1)">x</a>', [['javascript-url', 'javascript:']]],
    [
      'javascript: with a tab inside',
      '%content%<a href="java\tscript:alert(1)">x</a>',
      [['javascript-url', 'java\tscript:']],
    ],
    [
      'entity-encoded javascript:',
      '%content%<a href="&#106;avascript:alert(1)">x</a>',
      [['javascript-url', '<a href="&#106;avascript:alert(1)">']],
    ],
    ['vbscript: link', '%content%<a href="vbscript:msgbox">x</a>', [['javascript-url', '<a href="vbscript:msgbox">']]],
    [
      'javascript: in CSS',
      '%content%<div style="background:url(javascript:alert(1))">',
      [['javascript-url', 'javascript:']],
    ],
    [
      'external stylesheet',
      '<link rel="stylesheet" href="https://cdn.example/a.css">%content%',
      [['external-stylesheet', '<link rel="stylesheet" href="https://cdn.example/a.css">']],
    ],
    [
      '@import',
      '<style>@import url(https://cdn.example/a.css);</style>%content%',
      [['external-stylesheet', '@import']],
    ],
    [
      'iframe',
      '%content%<iframe src="https://x.example"></iframe>',
      [['forbidden-element', '<iframe src="https://x.example">']],
    ],
    [
      'meta refresh',
      '<meta http-equiv="refresh" content="0;url=https://x.example">%content%',
      [['forbidden-element', '<meta http-equiv="refresh" content="0;url=https://x.example">']],
    ],
    ['unknown variable', '%content% %footer%', [['unknown-variable', '%footer%']]],
  ])('refuses %s, with its position', (_name, html, expected) => {
    expect(rules(html)).toEqual(expected);
  });

  it('lists several problems in document order', () => {
    expect(rules('<script></script><a onclick="x">').map(([rule]) => rule)).toEqual([
      'content-placeholder',
      'script',
      'event-handler',
    ]);
  });

  it('refuses a layout over 100 000 characters', () => {
    expect(validateLayout(`%content%${'x'.repeat(100_000)}`, known)[0]?.rule).toBe('too-large');
  });
});

describe('prepareCustomLayout', () => {
  it('inlines CSS with the given inliner only once the layout is valid, and checks the result', () => {
    const calls: string[] = [];
    const inline = (html: string) => {
      calls.push(html);
      return html.replace('<style>p{color:red}</style>', '').replace('<p>', '<p style="color:red">');
    };
    expect(prepareCustomLayout('<style>p{color:red}</style><p>%content%</p>', known, inline)).toEqual({
      ok: true,
      html: '<p style="color:red">%content%</p>',
    });
    expect(prepareCustomLayout('<script></script>', known, inline).ok).toBe(false);
    expect(calls).toHaveLength(1);
    expect(prepareCustomLayout('<p>%content%</p>', known, () => '<p>gone</p>')).toMatchObject({
      ok: false,
      errors: [{ rule: 'content-placeholder' }],
    });
    expect(prepareCustomLayout('<p>%content%</p>', known)).toEqual({ ok: true, html: '<p>%content%</p>' });
  });
});

describe('validateLayout on hostile input', () => {
  it('stays linear', () => {
    const started = Date.now();
    for (const html of [
      '<a'.repeat(49_000),
      `${'<'.repeat(99_000)}>`,
      `<a href="${'x'.repeat(99_000)}`,
      'j '.repeat(49_000),
    ])
      validateLayout(html, known);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('still sees a handler in a tag that follows a stray "<"', () => {
    expect(rules('%content%<img src=x <x onerror=alert(1)>')).toEqual([['event-handler', ' onerror=']]);
  });
});
