import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrors, httpErrorOf } from '../../../src/admin/api/v1/api-errors.js';
import {
  allowedIps,
  headerText,
  mailAddress,
  recordId,
  smtpUsername,
  tenantName,
} from '../../../src/admin/api/v1/fields.js';
import { GatewayError } from '../../../src/core/gateway-error.js';

const ok = (schema: z.ZodType, value: unknown): boolean => schema.safeParse(value).success;

describe('header-safe text', () => {
  it.each(['\r', '\n', '\0', '\u0085', '\u2028', '\u2029', '\u001b', '\u007f'])(
    'refuses %j anywhere in the value',
    (c) => {
      expect(ok(headerText(100), `Acme${c}Bcc: x@example.test`)).toBe(false);
      expect(ok(headerText(100), `Acme${c}`)).toBe(false);
      expect(ok(tenantName, `Acme${c}`)).toBe(false);
    },
  );

  it('accepts ordinary text, tabs and accents, within the length', () => {
    expect(ok(headerText(100), 'Factuur 2024-001\tÉén, twee – drie')).toBe(true);
    expect(ok(headerText(5), '123456')).toBe(false);
    expect(ok(tenantName, 'Acme Facturatie B.V.')).toBe(true);
    expect(ok(tenantName, '   ')).toBe(false);
  });
});

describe('mail address', () => {
  it.each(['klant@example.com', 'a.b+c@sub.example.nl', '"quoted local"@example.com'])('accepts %j', (a) => {
    expect(ok(mailAddress, a)).toBe(true);
  });

  it.each([
    'Klant <klant@example.com>',
    'a@example.com, b@example.com',
    'a@example.com\r\nBcc: c@example.com',
    'a@@example.com',
    'no-at-sign',
    'a@example.com\u2028',
    '@example.com',
  ])('refuses %j: one addr-spec only, no line breaks', (a) => {
    expect(ok(mailAddress, a)).toBe(false);
  });
});

describe('tenant fields', () => {
  it('checks IP entries and user names with the same rules as the CLI', () => {
    expect(ok(allowedIps, ['10.0.0.1', '192.0.2.0/24', '2001:db8::/32'])).toBe(true);
    expect(ok(allowedIps, ['10.0.0.0/33'])).toBe(false);
    expect(ok(allowedIps, ['example.com'])).toBe(false);
    expect(ok(smtpUsername, 'acme-k3x9qa')).toBe(true);
    expect(ok(smtpUsername, 'bad name')).toBe(false);
    expect(ok(recordId, '01JD4T8X9M2C5V7B3N6K0QWERT')).toBe(true);
    expect(ok(recordId, '../etc/passwd')).toBe(false);
  });
});

describe('error bodies', () => {
  it('names each bad field with its location, unknown fields one by one', () => {
    const schema = z.strictObject({ name: tenantName, allowedIps: allowedIps.optional() });
    const result = schema.safeParse({ name: 'A\r\nB', allowedIps: ['nope'], smtpPasswordHash: 'x', isAdmin: true });
    const fields = fieldErrors('body', result.error?.issues ?? []);
    expect(Object.keys(fields).sort()).toEqual([
      'body.allowedIps.0',
      'body.isAdmin',
      'body.name',
      'body.smtpPasswordHash',
    ]);
    expect(fields['body.smtpPasswordHash']).toEqual(['unknown field']);
    expect(fields['body.name']?.[0]).toMatch(/line breaks/);
  });

  it('maps gateway errors and body-parser errors to JSON answers, and nothing else', () => {
    expect(httpErrorOf(new GatewayError('E_TENANT_UNKNOWN', 'no tenant X'))?.status).toBe(404);
    expect(httpErrorOf(new GatewayError('E_MESSAGE_UNKNOWN', 'x'))?.body).toEqual({ error: 'not_found' });
    expect(httpErrorOf(new GatewayError('E_CONFLICT', 'already delivered'))?.body).toEqual({
      error: 'conflict',
      message: 'already delivered',
    });
    expect(httpErrorOf(new GatewayError('E_TENANT_EXISTS', 'taken'))?.status).toBe(409);
    expect(httpErrorOf(Object.assign(new Error('big'), { type: 'entity.too.large', status: 413 }))?.status).toBe(413);
    expect(
      httpErrorOf(Object.assign(new Error('bad'), { type: 'entity.parse.failed', status: 400 }))?.body,
    ).toMatchObject({ error: 'invalid_request' });
    // A store that cannot be reached (the shared database down) changed nothing: retry later.
    expect(httpErrorOf(new GatewayError('E_STORAGE', 'unreachable'))?.status).toBe(503);
    expect(httpErrorOf(new GatewayError('E_STORAGE', 'unreachable'))?.body).toMatchObject({ error: 'busy' });
    expect(httpErrorOf(new Error('boom'))).toBeUndefined();
  });
});
