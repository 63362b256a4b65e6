import { describe, expect, it } from 'vitest';
import { classifyGoogleError, retryAfterMs } from '../../../src/transports/gmail/gmail-errors.js';
import { replyOf, replyMatching } from '../../helpers/smtp-replies.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const apiError = (status: number, reason: string, headers: Record<string, string> = {}) => ({
  message: 'x',
  response: {
    status,
    headers: new Headers(headers),
    data: { error: { code: status, message: `${reason} happened`, errors: [{ reason }] } },
  },
});

describe('classifyGoogleError', () => {
  it('invalid_grant from the token endpoint means the link is broken', () => {
    const failure = classifyGoogleError(
      {
        response: {
          status: 400,
          data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
        },
      },
      NOW,
    );
    expect(failure).toEqual({
      kind: 'link-broken',
      reply: replyOf(
        '451 4.7.0 Gmail link broken: re-link needed (Google: invalid_grant, Token has been expired or revoked.)',
      ),
    });
  });

  it('401 asks for a refresh; 429/5xx/403 defer with Retry-After; 400 bounces unless it is about the account', () => {
    expect(classifyGoogleError(apiError(401, 'authError'), NOW).kind).toBe('unauthorized');
    expect(classifyGoogleError(apiError(429, 'rateLimitExceeded', { 'Retry-After': '30' }), NOW)).toMatchObject({
      kind: 'defer',
      retryAfterMs: 30_000,
    });
    expect(classifyGoogleError(apiError(503, 'backendError'), NOW)).toEqual({
      kind: 'defer',
      reply: replyOf('451 4.3.0 Gmail API answered 503 backendError: backendError happened'),
    });
    expect(classifyGoogleError(apiError(403, 'dailyLimitExceeded'), NOW).kind).toBe('defer');
    expect(classifyGoogleError(apiError(400, 'invalidArgument'), NOW)).toMatchObject({
      kind: 'bounce',
      reply: replyMatching(/^554 5\.6\.0 /),
    });
    expect(classifyGoogleError(apiError(400, 'failedPrecondition'), NOW).kind).toBe('defer');
    expect(classifyGoogleError(apiError(413, 'uploadTooLarge'), NOW)).toMatchObject({
      kind: 'bounce',
      reply: replyMatching(/^552 5\.3\.4 /),
    });
  });

  it('a network failure (no response) defers and keeps replies on one line', () => {
    const failure = classifyGoogleError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED\r\n127.0.0.1:9' }, NOW);
    expect(failure).toEqual({
      kind: 'defer',
      reply: replyOf('451 4.4.1 Gmail API not reachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9'),
    });
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, from a Headers or a plain object', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '120' }), NOW)).toBe(120_000);
    expect(retryAfterMs({ 'retry-after': new Date(NOW + 90_000).toUTCString() }, NOW)).toBe(90_000);
    expect(retryAfterMs({ get: (n: string) => (n === 'retry-after' ? '5' : null) }, NOW)).toBe(5_000);
    expect(retryAfterMs(new Headers(), NOW)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
  });
});
