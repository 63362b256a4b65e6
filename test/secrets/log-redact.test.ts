import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS } from '../../src/secrets/log-redact.js';

const CANARY = 'canary-9d1c';

function logged(write: (logger: ReturnType<typeof pino>) => void): string {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  write(pino({ level: 'info', redact: { paths: LOG_REDACT_PATHS } }, stream));
  return lines.join('');
}

describe('LOG_REDACT_PATHS', () => {
  it('censors secret fields at the top level and one level down, and auth headers', () => {
    const text = logged((log) => {
      log.info({ password: CANARY, token: CANARY }, 'top');
      log.info({ tenant: { smtpPasswordHash: CANARY, pass: CANARY, name: 'Acme' } }, 'nested');
      log.info({ oauth: { refreshToken: CANARY, accessToken: CANARY }, dkim: { privateKeyPem: CANARY } }, 'keys');
      log.info({ smarthost: { user: 'u', pass: CANARY }, box: { secret: CANARY, sealed: CANARY } }, 'config');
      log.info(
        { req: { method: 'GET', headers: { authorization: `Bearer ${CANARY}`, cookie: CANARY, accept: '*/*' } } },
        'http',
      );
    });
    expect(text.split('\n').filter(Boolean)).toHaveLength(5);
    expect(text).not.toContain(CANARY);
    expect(text).toContain('[Redacted]');
    expect(text).toContain('Acme'); // other fields stay
    expect(text).toContain('*/*');
  });

  it("censors a Peppol route's opened access point token, as a delivery logs the route", () => {
    const route = { kind: 'peppol', key: 't:1', peppol: { baseUrl: 'https://ap.test', token: CANARY } };
    const text = logged((log) => {
      log.info({ route }, 'one level');
      log.info({ delivery: { route } }, 'two levels');
    });
    expect(text).not.toContain(CANARY);
    expect(text).toContain('https://ap.test');
  });

  it('leaves ordinary logs alone', () => {
    const text = logged((log) => log.info({ queueId: 'Q1', tenantId: 'T1', recipients: 2 }, 'message queued'));
    expect(JSON.parse(text)).toMatchObject({ queueId: 'Q1', tenantId: 'T1', recipients: 2, msg: 'message queued' });
  });
});
