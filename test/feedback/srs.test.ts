import { describe, expect, it } from 'vitest';
import { srsForward, srsReverse } from '../../src/feedback/srs.js';

const key = Buffer.alloc(32, 7);
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 28);

describe('SRS0', () => {
  it('rewrites onto our domain and back', () => {
    const srs = srsForward(key, 'Jan.Klant@customer.test', 'bounce.postbode.test', now);
    expect(srs).toMatch(/^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=customer\.test=Jan\.Klant@bounce\.postbode\.test$/);
    expect(srsReverse(key, srs, now + DAY)).toBe('Jan.Klant@customer.test');
    expect(srsReverse(key, srs.toLowerCase(), now)).toBe('jan.klant@customer.test');
  });

  it('refuses a changed address, another key, and an old timestamp', () => {
    const srs = srsForward(key, 'jan@customer.test', 'b.test', now);
    expect(srsReverse(key, srs.replace('=jan@', '=piet@'), now)).toBeUndefined();
    expect(srsReverse(Buffer.alloc(32, 8), srs, now)).toBeUndefined();
    expect(srsReverse(key, srs, now + 30 * DAY)).toBeUndefined();
    expect(srsReverse(key, 'bounces+x@b.test', now)).toBeUndefined();
  });

  it('keeps the null sender', () => {
    expect(srsForward(key, '', 'b.test', now)).toBe('');
  });
});
