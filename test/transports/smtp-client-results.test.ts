import { describe, expect, it } from 'vitest';
import { clientError } from '../../src/transports/smtp/client/client-errors.js';
import { ReplyParser, type ServerReply } from '../../src/transports/smtp/client/reply-parser.js';
import { resultsFromAnswers, sameResult } from '../../src/transports/smtp/smtp-results.js';
import { replyLine, smtpReply } from '../../src/core/smtp-reply.js';

/** A reply as our parser reads it off the wire (`\n` separates the lines of a multi-line reply). */
function reply(response: string): ServerReply {
  const replies: ServerReply[] = [];
  new ReplyParser((r) => replies.push(r)).push(Buffer.from(`${response.replace(/\n/g, '\r\n')}\r\n`));
  return replies[0]!;
}

describe('results from smtp client answers', () => {
  it('delivers on 2xx and classifies other replies by class, in envelope order', () => {
    const to = ['a@x.test', 'b@x.test', 'c@x.test'];
    const answers = [
      reply('250 2.0.0 Ok: queued as Q1'),
      reply('550 5.1.1 No such user'),
      reply('451 4.7.1 Greylisted'),
    ];
    expect(resultsFromAnswers(to, answers, 'hop:25')).toEqual([
      {
        address: 'a@x.test',
        outcome: 'delivered',
        reply: smtpReply(250, '2.0.0', 'Ok: queued as Q1'),
        nextHop: 'hop:25',
      },
      { address: 'b@x.test', outcome: 'bounced', reply: smtpReply(550, '5.1.1', 'No such user'), nextHop: 'hop:25' },
      { address: 'c@x.test', outcome: 'deferred', reply: smtpReply(451, '4.7.1', 'Greylisted'), nextHop: 'hop:25' },
    ]);
  });

  it('puts a multi-line reply on one line', () => {
    const [result] = resultsFromAnswers(['a@x.test'], [reply('550-5.7.1 Blocked\n550 5.7.1 See https://help.test')]);
    expect(result).toEqual({
      address: 'a@x.test',
      outcome: 'bounced',
      reply: {
        code: 550,
        enhanced: '5.7.1',
        text: 'Blocked See https://help.test',
        line: '550-5.7.1 Blocked 550 5.7.1 See https://help.test',
      },
    });
    expect(replyLine(result!.reply)).toBe('550-5.7.1 Blocked 550 5.7.1 See https://help.test');
  });

  it('defers our own hop failures even on a 5xx reply, and network errors', () => {
    const auth = clientError('EAUTH', 'Authentication failed', reply('535 5.7.8 Bad credentials'));
    const timeout = clientError('ETIMEDOUT', 'send timed out after 500 ms');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    expect(
      resultsFromAnswers(['a', 'b', 'c'], [auth, timeout, refused]).map((r) => [r.outcome, replyLine(r.reply)]),
    ).toEqual([
      ['deferred', '535 5.7.8 Bad credentials'],
      ['deferred', 'ETIMEDOUT: send timed out after 500 ms'],
      ['deferred', 'connect ECONNREFUSED 127.0.0.1:1'],
    ]);
    // typed: a server's reply keeps its codes; a failure without one gets ours, 4xx, and names its code
    const [byServer, timedOut, byNetwork] = resultsFromAnswers(['a', 'b', 'c'], [auth, timeout, refused]);
    expect(byServer?.reply).toEqual(smtpReply(535, '5.7.8', 'Bad credentials'));
    expect(timedOut?.reply).toMatchObject({ code: 451, enhanced: '4.4.2', failure: 'ETIMEDOUT' });
    expect(byNetwork?.reply).toMatchObject({ code: 451, enhanced: '4.4.1', failure: 'ECONNREFUSED' });
  });

  it('bounces an envelope our client refused to send, and never calls an error with a 2xx delivered', () => {
    const envelope = clientError('EENVELOPE', 'Invalid recipient "a>"');
    const odd = clientError('EPROTOCOL', 'strange', reply('250 Ok'));
    const results = resultsFromAnswers(['a', 'b'], [envelope, odd]);
    expect(results.map((r) => r.outcome)).toEqual(['bounced', 'deferred']);
    expect(results[0]?.reply).toMatchObject({ code: 553, enhanced: '5.1.3', failure: 'EENVELOPE' });
  });

  it('builds uniform results for failures found before any server was asked', () => {
    const nullMx = smtpReply(556, '5.1.10', 'null MX');
    expect(sameResult(['a@x.test', 'b@x.test'], 'bounced', nullMx)).toEqual([
      { address: 'a@x.test', outcome: 'bounced', reply: nullMx },
      { address: 'b@x.test', outcome: 'bounced', reply: nullMx },
    ]);
  });
});
