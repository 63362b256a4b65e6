import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Sent only to the callback; HttpOnly, so page scripts never see it. */
export const LINK_COOKIE = 'postbode_gmail_link';
const COOKIE_PATH = '/oauth/google';

/**
 * Binds a Gmail link flow to the browser that started it (RFC 6749 section 10.12, the
 * login-CSRF defence): starting sets a cookie holding a random nonce and an HMAC over the
 * nonce and the flow's `state`; the callback goes on only when the browser brings a cookie
 * that verifies for the `state` it carries. A consent link sent to someone else, or a
 * callback URL replayed in another browser, is refused before Google is asked anything.
 * SameSite=Lax: the top-level GET from Google's consent page still carries it.
 */
export interface BrowserBinding {
  /** The Set-Cookie value for a new flow with this state, valid `ttlMs`. */
  issue(state: string, ttlMs: number): string;
  /** Does the request's Cookie header carry a cookie issued for this state? */
  matches(cookieHeader: string | undefined, state: string): boolean;
  /** The Set-Cookie value that removes it (after the flow finished). */
  clear(): string;
}

/** Which cookie, sent only to which callback path (Microsoft 365 mode has its own). */
export interface BindingCookie {
  readonly name: string;
  readonly path: string;
}

/**
 * `key`: SecretBox.deriveKey('gmail-link-cookie') (each mode its own); `secure` when the callback is served over
 * https.
 */
export function createBrowserBinding(
  key: Buffer,
  secure: boolean,
  cookie: BindingCookie = { name: LINK_COOKIE, path: COOKIE_PATH },
): BrowserBinding {
  const mac = (nonce: string, state: string): Buffer => createHmac('sha256', key).update(`${nonce}.${state}`).digest();
  const attributes = `Path=${cookie.path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const name = cookie.name;
  return {
    issue(state, ttlMs) {
      const nonce = randomBytes(24).toString('base64url');
      return (
        `${name}=${nonce}.${mac(nonce, state).toString('base64url')}; ` +
        `Max-Age=${Math.max(1, Math.floor(ttlMs / 1000))}; ${attributes}`
      );
    },
    matches(cookieHeader, state) {
      const value = cookieValue(cookieHeader, name);
      const match = value === undefined ? null : /^([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!match) return false;
      const given = Buffer.from(match[2]!, 'base64url');
      return given.length === 32 && timingSafeEqual(given, mac(match[1]!, state));
    },
    clear: () => `${name}=; Max-Age=0; ${attributes}`,
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
