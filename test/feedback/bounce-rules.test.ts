import { describe, expect, it } from 'vitest';
import { classifyDsn, matchRules } from '../../src/feedback/bounce-rules.js';

describe('free-text bounce rules', () => {
  const cases: Array<[string, string, boolean, string]> = [
    [
      'Gmail',
      '550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the ' +
        "recipient's email address",
      true,
      'hard',
    ],
    [
      'Exchange Online',
      "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipNotFound; Recipient not found by SMTP address lookup'",
      true,
      'hard',
    ],
    ['Postfix local', '<jan@example.test>: unknown user: "jan"', true, 'hard'],
    ['qmail', 'Sorry, no mailbox here by that name. (#5.1.1)', true, 'hard'],
    ['mailbox full', '552 5.2.2 The email account that you tried to reach is over quota', false, 'soft'],
    ['too big', '552 5.3.4 Message size exceeds fixed maximum message size', false, 'soft'],
    [
      'blocklist',
      '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
      false,
      'soft',
    ],
    [
      'still trying',
      'This is a warning message only. Your message has not yet been delivered. Delivery attempts will continue',
      false,
      'delayed',
    ],
    ['bad domain', 'Host or domain name not found. Name service error for name=exampel.test type=MX', false, 'hard'],
    ['other permanent', '550 Requested action not taken: policy says no', false, 'hard'],
    ['other temporary', '421 4.4.2 connection dropped', false, 'soft'],
  ];
  it.each(cases)('%s', (_style, text, userUnknown, category) => {
    expect(matchRules(text)).toMatchObject({ category, userUnknown });
  });

  it('leaves text that says nothing about a failure alone', () => {
    expect(matchRules('Thank you for your message, we will answer soon.')).toBeUndefined();
    expect(matchRules('Ik ben afwezig. Bel 020 450 1234 of mail 500 euro later.')).toBeUndefined();
  });
});

describe('DSN recipient blocks', () => {
  it('5.1.1 is user unknown whatever the text says; delayed is delayed; delivered is nothing', () => {
    expect(classifyDsn('failed', '5.1.1', '550 rejected')).toMatchObject({ category: 'hard', userUnknown: true });
    expect(classifyDsn('Delayed', '4.4.1', '451 timeout')).toMatchObject({ category: 'delayed' });
    expect(classifyDsn('delivered', '2.0.0', '250 ok')).toBeUndefined();
  });

  it('uses the diagnostic text, then the status class', () => {
    expect(classifyDsn('failed', '5.2.2', '552 5.2.2 Mailbox full')).toMatchObject({
      category: 'soft',
      userUnknown: false,
    });
    expect(classifyDsn('failed', '5.0.0', 'weird')).toMatchObject({ category: 'hard', userUnknown: false });
    expect(classifyDsn('failed', '4.0.0', undefined)).toMatchObject({ category: 'soft' });
  });
});
