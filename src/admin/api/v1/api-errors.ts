import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { isGatewayError } from '../../../core/gateway-error.js';
import { isLmdbCommitFailure, isStorageFull } from '../../../store/storage-errors.js';
import { fill } from '../../../core/text-catalog.js';
import { apiCatalog, localiseError, markLanguage, requestLanguage } from './localise.js';

/** A JSON error answer. Every API error body has a stable `error` string. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { readonly error: string } & Record<string, unknown>,
  ) {
    super(body.error);
    this.name = 'ApiError';
  }
}

/** `{ 'body.name': ['why', ...] }`: one key per bad field, named by where it came from. */
export type FieldErrors = Record<string, string[]>;

export const notFound = (): ApiError => new ApiError(404, { error: 'not_found' });
export const forbidden = (message?: string): ApiError =>
  new ApiError(403, { error: 'forbidden', ...(message === undefined ? {} : { message }) });
export const conflict = (message: string): ApiError => new ApiError(409, { error: 'conflict', message });
/** 409 for a name that is taken or reserved: the same words whoever holds it. */
export const notAvailable = (message: string): ApiError => new ApiError(409, { error: 'not_available', message });
/** A write failed because the disk is full (the change was not made): retry later, like SMTP's 452. */
export const insufficientStorage = (): ApiError =>
  new ApiError(507, {
    error: 'insufficient_storage',
    message: 'The server has no room to store this change; try again later',
  });
/** A store could not be reached (the shared database is down): nothing was changed, retry later. */
export const storageUnavailable = (): ApiError =>
  new ApiError(503, {
    error: 'busy',
    message: 'The store is unreachable at the moment; nothing was changed, try again later',
  });
export const invalidRequest = (fields: FieldErrors): ApiError =>
  new ApiError(400, { error: 'invalid_request', fields });
/** 415: the body is not JSON, or in a charset or Content-Encoding the API does not read; `message` says which. */
export const unsupportedMediaType = (message: string): ApiError =>
  new ApiError(415, { error: 'unsupported_media_type', message });
/** 429; the handler turns `retryAfterSeconds` into the Retry-After header. */
export const rateLimited = (waitMs: number, message: string): ApiError =>
  new ApiError(429, { error: 'rate_limited', message, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });

/** zod issues → field errors under `prefix` (params, query or body); an unknown key is its own field. */
export function fieldErrors(prefix: string, issues: readonly z.core.$ZodIssue[], into: FieldErrors = {}): FieldErrors {
  const add = (path: readonly PropertyKey[], message: string): void => {
    const key = [prefix, ...path.map(String)].join('.');
    (into[key] ??= []).push(message);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'unknown field');
    } else {
      add(issue.path, issueText(issue));
    }
  }
  return into;
}

/**
 * An issue in our own words (api-messages.ts), so that it can be answered in every language:
 * a message our schemas set (a refine) as it is, zod's own messages by the issue's kind.
 */
function issueText(issue: z.core.$ZodIssue): string {
  if (apiCatalog.localise(issue.message, 'en').code !== undefined) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return / received undefined$/.test(issue.message)
        ? 'required'
        : fill('must be of type {expected}', { expected: issue.expected });
    case 'too_small':
      return sizeText(issue.origin, Number(issue.minimum), 'must be at least', 'needs at least');
    case 'too_big':
      return sizeText(issue.origin, Number(issue.maximum), 'must be at most', 'allows at most');
    case 'invalid_format':
      return 'does not have the right format';
    case 'invalid_value':
      return fill('must be one of {values}', { values: issue.values.map(String).join(', ') });
    case 'not_multiple_of':
      return fill('must be a multiple of {divisor}', { divisor: Number(issue.divisor) });
    case 'custom':
      return issue.message;
    default:
      return 'invalid value';
  }
}

function sizeText(origin: string, bound: number, scalar: string, list: string): string {
  if (origin === 'string')
    return bound === 1 && scalar === 'must be at least' ? 'must not be empty' : `${scalar} ${bound} characters`;
  if (origin === 'array' || origin === 'set') return `${list} ${bound} items`;
  return `${scalar} ${bound}`;
}

/**
 * The HTTP answer for an error, or undefined for an unexpected one (a 500, logged by the app).
 * `contentEncoding` (the request's header) names what could not be decompressed.
 */
export function httpErrorOf(err: unknown, contentEncoding?: string): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (isGatewayError(err)) {
    switch (err.code) {
      case 'E_NOT_FOUND':
      case 'E_TENANT_UNKNOWN':
      case 'E_MESSAGE_UNKNOWN':
        return notFound();
      case 'E_CONFLICT':
      case 'E_TENANT_EXISTS':
        return conflict(err.message);
      case 'E_NOT_AVAILABLE':
        return notAvailable(err.message);
      case 'E_INVALID':
        return invalidRequest({ body: [err.message] });
      case 'E_STORAGE_FULL':
        return insufficientStorage();
      case 'E_STORAGE':
        return storageUnavailable();
      default:
        return undefined;
    }
  }
  if (isLmdbCommitFailure(err) || isStorageFull(err)) return insufficientStorage();
  return bodyParserError(err, contentEncoding ?? 'identity');
}

/** body-parser error `type` of a JSON body that is not UTF-8 (json-body.ts raises it). */
export const NOT_UTF8 = 'entity.not.utf8';

interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly charset?: unknown;
  readonly encoding?: unknown;
}

/**
 * express.json's http-errors, each with what was wrong: too large, malformed JSON, not UTF-8,
 * an unsupported charset or Content-Encoding (415), a body that does not decompress (zlib's
 * `Z_*` errors: gzip garbage, a truncated stream).
 */
function bodyParserError(err: unknown, contentEncoding: string): ApiError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, code, message, charset, encoding } = err as BodyParserError;
  if (type === 'entity.too.large') return new ApiError(413, { error: 'payload_too_large' });
  if (type === 'entity.parse.failed') return invalidRequest({ body: ['not valid JSON'] });
  if (type === NOT_UTF8) return invalidRequest({ body: ['not valid UTF-8: JSON is sent as UTF-8'] });
  if (type === 'charset.unsupported')
    return unsupportedMediaType(fill(CHARSET_UNSUPPORTED, { charset: String(charset) }));
  if (type === 'encoding.unsupported')
    return unsupportedMediaType(fill(ENCODING_UNSUPPORTED, { encoding: String(encoding) }));
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ApiError(400, {
      error: 'bad_request',
      message: fill(NOT_DECOMPRESSED, { encoding: contentEncoding, reason: String(message) }),
    });
  }
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new ApiError(status, { error: 'bad_request' });
  return undefined;
}

const CHARSET_UNSUPPORTED = 'charset {charset} is not supported: send JSON as UTF-8';
const ENCODING_UNSUPPORTED =
  'Content-Encoding {encoding} is not supported: send the body as it is, or as gzip, deflate or br';
const NOT_DECOMPRESSED = 'the body is not valid {encoding} data, as its Content-Encoding says it is: {reason}';

/**
 * JSON errors for everything the API raises, in the request's language with their stable codes;
 * anything unexpected goes on to the app's 500 handler.
 */
export const apiErrorHandler: ErrorRequestHandler = (err, req, res, next) => {
  const known = httpErrorOf(err, req.get('content-encoding'));
  if (!known || res.headersSent) {
    next(err);
    return;
  }
  if (typeof known.body.retryAfterSeconds === 'number') res.set('Retry-After', String(known.body.retryAfterSeconds));
  const lang = requestLanguage(req);
  markLanguage(res, lang);
  res.status(known.status).json(localiseError(known.body, lang));
};
