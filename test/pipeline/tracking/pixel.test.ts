import { describe, expect, it } from 'vitest';
import { injectPixel, pixelUrl, transparentGif } from '../../../src/pipeline/tracking/pixel.js';

describe('transparentGif', () => {
  it('is a 1×1 GIF89a with a transparent colour, and a fresh copy each time', () => {
    const gif = transparentGif();
    expect(gif.subarray(0, 6).toString('ascii')).toBe('GIF89a');
    expect([gif.readUInt16LE(6), gif.readUInt16LE(8)]).toEqual([1, 1]);
    const gce = gif.indexOf(Buffer.from([0x21, 0xf9, 0x04]));
    expect(gce).toBeGreaterThan(0);
    expect((gif[gce + 3] ?? 0) & 0x01).toBe(1);
    expect(gif[gif.length - 1]).toBe(0x3b);
    gif[0] = 0;
    expect(transparentGif()[0]).toBe(0x47);
  });
});

describe('injectPixel', () => {
  const url = 'https://mail.acme.example/t/abc_-1.gif?x=1&y="2"';
  const img =
    '<img src="https://mail.acme.example/t/abc_-1.gif?x=1&amp;y=&quot;2&quot;" width="1" height="1" alt="" ' +
    'style="display:block;width:1px;height:1px;border:0;">';
  const at = (html: string): string | undefined => injectPixel(html, url)?.replace(img, '|');

  it('goes right before the last real </body>', () => {
    expect(at('<html><body><p>a</p></BODY ></html>')).toBe('<html><body><p>a</p>|</BODY ></html>');
    expect(at('<body>a</body>b</body>c')).toBe('<body>a</body>b|</body>c');
    expect(at('<body>\r\n<p>a</p>\r\n</body>\r\n')).toBe('<body>\r\n<p>a</p>\r\n|</body>\r\n');
  });

  it(
    'never inside a comment, an attribute, or the text of script, style, textarea, title, xmp, iframe, ' +
      'noembed, noframes, noscript',
    () => {
      for (const inner of [
        '<!-- </body> -->',
        '<p title="</body>">',
        "<p data-x='</body>'>",
        '<textarea></body></textarea>',
        '<script>"</body>"</script>',
        '<style>/* </body> */</style>',
        '<title></body></title>',
        '<xmp></body></xmp>',
        '<iframe></body></iframe>',
        '<noembed></body></noembed>',
        '<noframes></body></noframes>',
        '<noscript></body></noscript>',
        '<script><!--<script></body></script>--></script>',
      ]) {
        expect(at(`<body><p>a</p>${inner}</body>`)).toBe(`<body><p>a</p>${inner}|</body>`);
      }
      // inside SVG a style element is an ordinary element, and CDATA is a section
      expect(at('<body><svg><style></style><![CDATA[</body>]]></svg></body>')).toBe(
        '<body><svg><style></style><![CDATA[</body>]]></svg>|</body>',
      );
    },
  );

  it(
    'goes at the end when there is no real </body>; nowhere when the end is inside a tag, comment or text-only ' +
      'element',
    () => {
      expect(at('<p>fragment</p>')).toBe('<p>fragment</p>|');
      expect(at('<p>a</p><!-- </body> -->')).toBe('<p>a</p><!-- </body> -->|');
      for (const cut of [
        '<p>a</p><!-- </body>',
        '<p title="</body>',
        '<textarea></body>',
        '<plaintext></body>',
        '<script>x',
      ]) {
        expect(injectPixel(cut, url)).toBeUndefined();
      }
    },
  );

  it('exactly one pixel', () => {
    const html = injectPixel('<body>a</body></body><!-- </body> -->', url)!;
    expect(html.split('<img').length).toBe(2);
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => injectPixel('<p></p>', 'javascript:alert(1)')).toThrow(/http/);
    expect(() => injectPixel('<p></p>', 'https://a.example/\r\nx')).toThrow(/http/);
  });

  it('builds the pixel URL from the public base URL', () => {
    expect(pixelUrl('https://mail.acme.example/', 'TOKEN')).toBe('https://mail.acme.example/t/TOKEN.gif');
  });
});
