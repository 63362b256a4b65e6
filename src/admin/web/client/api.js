// @ts-check
/**
 * The one way the page talks to Postbode: the Config API under /api/v1 with the bearer token
 * the user signed in with. The token lives in sessionStorage (gone when the tab closes) and is
 * sent only in the Authorization header; there are no cookies, so no cross-site request can
 * borrow it.
 */
import { getLang } from './i18n.js';

const KEY = 'postbode.token';

export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function getToken() {
  return sessionStorage.getItem(KEY) ?? '';
}

/** @param {string} token */
export function setToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

/**
 * @param {string} method
 * @param {string} path below /api/v1, e.g. `/tenants/${id}/sender`
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  // The API words its refusals and advice in the page's language (codes stay the same).
  const headers = { authorization: `Bearer ${getToken()}`, 'accept-language': getLang() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = { error: 'not_json' };
  }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/**
 * Like api(), but undefined when the route does not exist on this server (a feature not
 * built or not configured): the page then leaves that part out.
 * @param {string} path
 */
export async function optional(path) {
  try {
    return await api('GET', path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 501)) return undefined;
    throw err;
  }
}

/** @param {Record<string, string | number | undefined>} params */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** @param {string} s */
export function enc(s) {
  return encodeURIComponent(s);
}
