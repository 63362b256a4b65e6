import { describe as group, expect, it } from 'vitest';
import { classify, describe, type ReplyLike } from '../../../src/transports/smtp/classify-error.js';

group('classify', () => {
  const table: Array<[string, ReplyLike, 'deferred' | 'bounced']> = [
    ['421 at greeting', { responseCode: 421, code: 'EPROTOCOL' }, 'deferred'],
    ['450 mailbox busy', { responseCode: 450, code: 'EENVELOPE' }, 'deferred'],
    ['451 after DATA', { responseCode: 451, code: 'EMESSAGE' }, 'deferred'],
    ['452 too many recipients', { responseCode: 452, code: 'EENVELOPE' }, 'deferred'],
    ['550 no such user', { responseCode: 550, code: 'EENVELOPE' }, 'bounced'],
    ['552 too big', { responseCode: 552, code: 'EMESSAGE' }, 'bounced'],
    ['554 after DATA', { responseCode: 554, code: 'EMESSAGE' }, 'bounced'],
    ['556 null MX', { responseCode: 556 }, 'bounced'],
    ['554 greeting', { responseCode: 554, code: 'EPROTOCOL' }, 'bounced'],
    ['connection refused', { code: 'ESOCKET' }, 'deferred'],
    ['timeout', { code: 'ETIMEDOUT' }, 'deferred'],
    ['connection closed after the final dot', { code: 'ECONNECTION' }, 'deferred'],
    ['DNS temporary failure', { code: 'EDNS' }, 'deferred'],
    ['aborted by our send timer', { code: 'EABORT' }, 'deferred'],
    ['nothing known', {}, 'deferred'],
    ['535 from the smarthost: our credentials, not the mail', { responseCode: 535, code: 'EAUTH' }, 'deferred'],
    ['STARTTLS required but missing', { code: 'ETLS' }, 'deferred'],
    ['address refused by our client before sending', { code: 'EENVELOPE' }, 'bounced'],
    ['an unknown code without a reply', { code: 'EMESSAGE' }, 'deferred'],
    ['odd 2xx on an error', { responseCode: 250, code: 'EPROTOCOL' }, 'deferred'],
  ];
  it.each(table)('%s → %s', (_name, reply, expected) => {
    expect(classify(reply)).toBe(expected);
  });
});

group('describe', () => {
  it('prefers the server response, on one line', () => {
    expect(
      describe({
        response: '550-5.1.1 No such user\r\n550 5.1.1 Really',
        message: 'Recipient command failed',
        code: 'EENVELOPE',
      }),
    ).toBe('550-5.1.1 No such user 550 5.1.1 Really');
  });
  it('keeps a network error message that already names its code', () => {
    expect(describe(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2526'), { code: 'ESOCKET' }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:2526',
    );
  });
  it('adds the code when the message does not name it', () => {
    expect(describe(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT: Timeout');
  });
  it('copes with values that are not errors', () => {
    expect(describe('boom')).toBe('boom');
    expect(describe(undefined)).toBe('undefined');
  });
});
