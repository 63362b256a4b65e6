import { describe, expect, it } from 'vitest';
import { createBrowserBinding } from '../../../src/tenants/gmail/browser-binding.js';

describe('browser binding of the Gmail link flow', () => {
  const binding = createBrowserBinding(Buffer.alloc(32, 1), false);
  const cookieOf = (setCookie: string): string => setCookie.split(';')[0]!;

  it('a cookie verifies for its own state only, and only with the same key', () => {
    const cookie = cookieOf(binding.issue('state-a', 600_000));
    expect(binding.matches(`theme=dark; ${cookie}`, 'state-a')).toBe(true);
    expect(binding.matches(cookie, 'state-b')).toBe(false);
    expect(createBrowserBinding(Buffer.alloc(32, 2), false).matches(cookie, 'state-a')).toBe(false);
    expect(binding.matches(undefined, 'state-a')).toBe(false);
    expect(binding.matches('postbode_gmail_link=garbage', 'state-a')).toBe(false);
  });

  it('is Secure when the callback is https, and clears with Max-Age=0', () => {
    expect(createBrowserBinding(Buffer.alloc(32, 1), true).issue('s', 1000)).toMatch(
      /; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(binding.issue('s', 1000)).not.toMatch(/Secure/);
    expect(binding.clear()).toBe('postbode_gmail_link=; Max-Age=0; Path=/oauth/google; HttpOnly; SameSite=Lax');
  });
});
