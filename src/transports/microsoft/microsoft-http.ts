/**
 * The one place Postbode talks HTTP to Microsoft (identity platform and Graph), over Node's
 * fetch with a deadline per request. A non-2xx answer becomes a MicrosoftHttpError carrying the
 * status, headers and parsed body, which microsoft-errors.ts classifies; a network failure or
 * the deadline stays the fetch error it is (no status).
 */
export class MicrosoftHttpError extends Error {
  readonly status: number;
  readonly headers: Headers;
  readonly data: unknown;

  constructor(status: number, headers: Headers, data: unknown, what: string) {
    super(`${what} answered ${status}`);
    this.name = 'MicrosoftHttpError';
    this.status = status;
    this.headers = headers;
    this.data = data;
  }
}

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Text, or the raw bytes of an upload chunk. */
  readonly body?: string | Uint8Array;
  /** Names the call in errors ("token endpoint", "Graph sendMail"). */
  readonly what: string;
}

async function parsed(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function microsoftCall(call: HttpCall, timeoutMs: number): Promise<unknown> {
  const res = await fetch(call.url, {
    method: call.method,
    headers: call.headers ?? {},
    ...(call.body !== undefined ? { body: call.body } : {}),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const data = await parsed(res);
  if (!res.ok) throw new MicrosoftHttpError(res.status, res.headers, data, call.what);
  return data;
}
