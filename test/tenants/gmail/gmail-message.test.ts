import { describe, expect, it } from 'vitest';
import { fromAddress, isSendAs, notSendAsReply, withEnvelopeBcc } from '../../../src/transports/gmail/gmail-message.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

const raw = Buffer.from(
  'From: "Acme" <Facturen@Acme.test>\r\nTo: Klant <klant@example.test>,\r\n other@example.test\r\n' +
    'Cc: cc@example.test\r\nSubject: s\r\n\r\nTo: body@example.test\r\n',
);

describe('what Gmail reads from the message', () => {
  it('finds the From address and compares aliases without case', () => {
    expect(fromAddress(raw)).toBe('Facturen@Acme.test');
    expect(isSendAs('Facturen@Acme.test', ['owner@gmail.test', 'facturen@acme.test'])).toBe(true);
    expect(isSendAs('billing@acme.test', ['owner@gmail.test', 'facturen@acme.test'])).toBe(false);
    expect(replyLine(notSendAsReply('billing@acme.test', 'owner@gmail.test'))).toMatch(
      /^451 4\.7\.0 From billing@acme\.test is not a send-as alias of the linked Gmail account owner@gmail\.test/,
    );
  });

  it('adds a Bcc only for envelope recipients the headers do not name (folded To/Cc read, body ignored)', () => {
    expect(withEnvelopeBcc(raw, ['klant@example.test', 'OTHER@example.test', 'cc@example.test'])).toBe(raw);
    const out = withEnvelopeBcc(raw, ['klant@example.test', 'archief@acme.test', 'body@example.test']).toString(
      'latin1',
    );
    expect(out.startsWith('Bcc: archief@acme.test,\r\n body@example.test\r\nFrom: ')).toBe(true);
    expect(out.endsWith(raw.toString('latin1'))).toBe(true);
  });
});
