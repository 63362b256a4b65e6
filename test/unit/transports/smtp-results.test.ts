import { describe, expect, it } from 'vitest';
import { resultsFromError, resultsFromInfo, sameResult } from '../../../src/transports/smtp-results.js';

const refusal = (recipient: string, response: string) => ({
  recipient, response, responseCode: Number(response.slice(0, 3)), code: 'EENVELOPE',
});

describe('smtp results', () => {
  it('delivers accepted recipients and classifies each RCPT refusal on its own', () => {
    const info = { response: '250 2.0.0 Ok: queued as X1', rejectedErrors: [refusal('Gone@Dest.test', '550 5.1.1 No such user'), refusal('slow@dest.test', '451 4.7.1 Later')] };
    expect(resultsFromInfo(['ok@dest.test', 'gone@dest.test', 'slow@dest.test'], info, 'hop:25')).toEqual([
      { address: 'ok@dest.test', outcome: 'delivered', reply: '250 2.0.0 Ok: queued as X1', nextHop: 'hop:25' },
      { address: 'gone@dest.test', outcome: 'bounced', reply: '550 5.1.1 No such user', nextHop: 'hop:25' },
      { address: 'slow@dest.test', outcome: 'deferred', reply: '451 4.7.1 Later', nextHop: 'hop:25' },
    ]);
  });

  it('matches a punycoded recipient back to the envelope address', () => {
    const info = { response: '250 Ok', rejectedErrors: [refusal('a@xn--mnchen-3ya.test', '550 5.1.1 No')] };
    expect(resultsFromInfo(['a@münchen.test'], info)[0]).toMatchObject({ outcome: 'bounced' });
  });

  it('gives every recipient the outcome of a whole-send failure', () => {
    const err = Object.assign(new Error('Message failed: 554 5.7.1 Spam'), { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 Spam' });
    expect(resultsFromError(['a@x.test', 'b@x.test'], err).map((r) => [r.outcome, r.reply])).toEqual([
      ['bounced', '554 5.7.1 Spam'], ['bounced', '554 5.7.1 Spam'],
    ]);
  });

  it('keeps per-recipient outcomes when every recipient was refused', () => {
    const err = Object.assign(new Error("Can't send mail - all recipients were rejected"), {
      code: 'EENVELOPE', responseCode: 451, response: '451 4.1.1 Later',
      rejectedErrors: [refusal('a@x.test', '451 4.1.1 Later'), refusal('b@x.test', '550 5.1.1 No')],
    });
    expect(resultsFromError(['a@x.test', 'b@x.test'], err).map((r) => r.outcome)).toEqual(['deferred', 'bounced']);
  });

  it('defers everyone on a network failure', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' });
    expect(resultsFromError(['a@x.test'], err)).toEqual([{ address: 'a@x.test', outcome: 'deferred', reply: 'connect ECONNREFUSED 127.0.0.1:1' }]);
  });

  it('builds uniform results', () => {
    expect(sameResult(['a@x.test', 'b@x.test'], 'bounced', '556 5.1.10 null MX')).toHaveLength(2);
  });
});
