import { describe, expect, it } from 'vitest';
import { injectPixel, pixelUrl, transparentGif } from '../../../src/tracking/pixel.js';

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
  const img = '<img src="https://mail.acme.example/t/abc_-1.gif?x=1&amp;y=&quot;2&quot;" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">';

  it('goes right before the last </body>', () => {
    expect(injectPixel('<html><body><p>a</p></BODY ></html>', url)).toBe(`<html><body><p>a</p>${img}</BODY ></html>`);
    expect(injectPixel('<body>x</body><!-- </body> -->', url)).toBe(`<body>x</body><!-- ${img}</body> -->`);
  });

  it('is appended when there is no </body>', () => {
    expect(injectPixel('<p>fragment</p>', url)).toBe(`<p>fragment</p>${img}`);
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => injectPixel('<p></p>', 'javascript:alert(1)')).toThrow(/http/);
  });

  it('builds the pixel URL from the public base URL', () => {
    expect(pixelUrl('https://mail.acme.example/', 'TOKEN')).toBe('https://mail.acme.example/t/TOKEN.gif');
  });
});
