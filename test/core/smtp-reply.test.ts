import { describe, expect, it } from 'vitest';
import { GatewayError, isGatewayError } from '../../src/core/gateway-error.js';
import {
  formatReply,
  isPermanent,
  isPositive,
  isTransient,
  Replies,
  replyLine,
  smtpReply,
  withReplyNote,
} from '../../src/core/smtp-reply.js';

describe('typed delivery replies', () => {
  it('reads as the one line the history has always stored', () => {
    expect(replyLine(smtpReply(550, '5.1.1', 'No such user'))).toBe('550 5.1.1 No such user');
    expect(replyLine(smtpReply(250, '', 'Ok'))).toBe('250 Ok');
    expect(formatReply({ code: 452, enhanced: '4.2.2', text: 'Mailbox full' })).toBe('452 4.2.2 Mailbox full');
    // a multi-line reply or a failure without one keeps the words it was received or described with
    const multi = { code: 550, enhanced: '5.7.1', text: 'Blocked See x', line: '550-5.7.1 Blocked 550 5.7.1 See x' };
    expect(replyLine(multi)).toBe('550-5.7.1 Blocked 550 5.7.1 See x');
    const refused = { code: 451, enhanced: '4.4.1', text: 'connect ECONNREFUSED', line: 'connect ECONNREFUSED' };
    expect(replyLine({ ...refused, failure: 'ECONNREFUSED' })).toBe('connect ECONNREFUSED');
  });

  it('names local decisions with constructors whose line is what the queue stored before', () => {
    expect(replyLine(Replies.noRoute())).toBe('451 4.3.5 no route for this recipient');
    expect(replyLine(Replies.bodyMissing())).toBe('451 4.3.0 body missing');
    expect(replyLine(Replies.planFailed())).toBe('451 4.3.0 local error while preparing the message, will retry');
    expect(replyLine(Replies.noResult())).toBe('451 4.3.0 transport returned no result for this recipient');
    expect(replyLine(Replies.wrongRoute('relay transport', 'gmail'))).toBe(
      '451 4.3.5 relay transport cannot take a gmail route',
    );
    expect(replyLine(Replies.suppressed())).toBe('550 5.1.1 suppressed');
  });

  it('adds a note to both forms of a reply', () => {
    expect(replyLine(withReplyNote(smtpReply(250, '2.0.0', 'Ok'), 'rendered before'))).toBe(
      '250 2.0.0 Ok (rendered before)',
    );
    const line = withReplyNote({ code: 451, enhanced: '4.4.2', text: 'timeout', line: 'ETIMEDOUT: timeout' }, 'n');
    expect(line).toMatchObject({ text: 'timeout (n)', line: 'ETIMEDOUT: timeout (n)' });
  });

  it('classifies by the reply class, whatever the words say', () => {
    const words550 = smtpReply(452, '4.2.2', '550 would be permanent');
    expect([isPositive(words550), isTransient(words550), isPermanent(words550)]).toEqual([false, true, false]);
    expect(isPermanent(smtpReply(554, '5.7.1', 'Rejected'))).toBe(true);
    expect(isPositive(smtpReply(250, '2.0.0', 'Ok'))).toBe(true);
  });

  it('a GatewayError carries the reply a delivery gives when the error stops it', () => {
    const reply = smtpReply(451, '4.7.5', 'DKIM signing failed, will retry');
    const err = new GatewayError('E_DKIM_SIGN', 'no key', { reply, cause: new Error('x') });
    expect(isGatewayError(err, 'E_DKIM_SIGN')).toBe(true);
    expect(err.reply).toEqual(reply);
    expect(err.cause).toBeInstanceOf(Error);
    expect(new GatewayError('E_CONFIG', 'plain')).not.toHaveProperty('reply');
  });
});
